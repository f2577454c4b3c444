"""`wasmwheel build`: stage a project, compile it with a route, check and stamp the wheel."""
