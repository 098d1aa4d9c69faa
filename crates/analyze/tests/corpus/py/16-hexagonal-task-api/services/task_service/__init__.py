"""Task service package.

Complete hexagon for task management operations.
Contains handler (input adapter), domain logic (core), and models (core).
"""
