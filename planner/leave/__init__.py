"""Summer leave (*kesälomat*) planned against the service promise of every municipality."""
