"""Evidence: clip exports signed with the installation's key, and their verification."""
