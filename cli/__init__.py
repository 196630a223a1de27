"""The command line's parts that must answer before Beam loads: the arguments, the Beam flag list,
the progress line. Importing this package never imports Beam, so a mistake is reported in well
under a second (Beam's own imports take about two)."""
