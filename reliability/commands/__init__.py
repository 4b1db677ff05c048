"""The CLI's commands, one module each; what they share is in shared.py."""
