"""The public register: pages for people, open data and feeds, and the network of cities."""
