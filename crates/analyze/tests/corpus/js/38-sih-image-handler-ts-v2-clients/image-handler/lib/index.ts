// Copyright Amazon.com, Inc. or its affiliates. All Rights Reserved.
// SPDX-License-Identifier: Apache-2.0

export * from "./types";
export * from "./enums";
export * from "./interfaces";
export * from "./constants";
