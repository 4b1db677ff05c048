"""The HTML report: the run's artifacts as one self-contained page with inline SVG charts."""
