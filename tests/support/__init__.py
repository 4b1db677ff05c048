"""Builders and servers shared by the tests of every level."""
