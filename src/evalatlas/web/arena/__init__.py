"""The arena: battles, votes, voters and the arena ratings."""
