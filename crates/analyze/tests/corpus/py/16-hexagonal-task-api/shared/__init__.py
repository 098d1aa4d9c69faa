"""
Shared infrastructure components.

This package contains ONLY infrastructure adapters that are reusable across services.
It does NOT contain domain logic or models - those belong to specific services.
"""
