"""Task service domain layer."""
