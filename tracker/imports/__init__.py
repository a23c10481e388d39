"""Import pilots (and their partners and funding) from the city's spreadsheets: read, map, dry run, commit."""
