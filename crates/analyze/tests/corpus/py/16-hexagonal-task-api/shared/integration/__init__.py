"""
Infrastructure integration adapters.

This module contains adapters for external infrastructure services:
- DynamoDB adapter for data persistence
- EventBridge adapter for event publishing

These are output ports in the hexagonal architecture pattern.
"""
