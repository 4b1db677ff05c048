"""The bundled example's telemetry generator."""
