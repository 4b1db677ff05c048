"""What people read: numbers as text, for the summary, the report, explain and hook messages."""
