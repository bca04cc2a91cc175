"""The leaderboard: the board page, its CSV and JSON downloads."""
