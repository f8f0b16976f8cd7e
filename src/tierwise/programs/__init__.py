"""The programs as operators see them: definitions, periods, distributions, and the yearly
selection of excellent partners."""
