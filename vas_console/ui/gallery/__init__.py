"""The snapshot gallery: a virtualised thumbnail grid, filters, a full-size viewer and snapshot actions."""
