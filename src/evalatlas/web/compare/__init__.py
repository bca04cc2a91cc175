"""Two or more models side by side, task by task."""
