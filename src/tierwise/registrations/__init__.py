"""TSP registrations (seed 001): a TSP applies per category and quarter; only registered
TSPs are awarded; an operator may exclude a TSP or forfeit an award for a false
declaration, with the reason shown to the partner."""
