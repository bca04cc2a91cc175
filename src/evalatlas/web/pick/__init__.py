"""Pick: stored reports of ``evalatlas pick``, a ranked shortlist for a user's examples."""
