"""The live wall: video tiles in a grid of layouts, fed by WHEP sessions on the worker loop."""
