"""Task service models layer."""
