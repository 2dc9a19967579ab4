"""Bad inputs kept as data: each module lists cases the suite runs (issue 11, section 5)."""
