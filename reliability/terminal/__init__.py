"""What the command line shows: output formats, tables with states, progress bars."""
