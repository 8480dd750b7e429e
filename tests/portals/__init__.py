"""Test portals generated at test time (never copied from a real site) and the server that hosts them."""
