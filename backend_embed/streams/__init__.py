"""Camera streams kept running: one supervised recorder per recorded camera stream."""
