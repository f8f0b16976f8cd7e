"""Order behaviour shared by the order generator and the archetype planners.

The planners size order volumes from these shares, so a planted target (GMV per seller,
GMV per livestream) accounts for unpaid and abnormal orders that the programs leave out.
"""

from __future__ import annotations

#: Orders never paid (cancelled by the buyer or the system before payment).
UNPAID = 0.025
#: Orders risk-flagged as abnormal (刷单, fake orders), excluded by every program.
ABNORMAL = 0.01
#: Share of orders a program counts for GMV: paid and not abnormal.
COUNTED = (1 - UNPAID) * (1 - ABNORMAL)
#: Buyer cancellation after payment (refunded in full).
BUYER_CANCEL = 0.012
#: Buyer-fault returns, and partial refunds (price adjustments), of delivered orders.
BUYER_RETURN = 0.015
PARTIAL_REFUND = 0.02
#: Share of delivered orders rated without complaint (3-5 stars); the rest are unrated
#: unless the seller's negative-review propensity strikes.
RATED = 0.38
#: Share of an abnormal creator's orders flagged abnormal once it is flagged.
ABNORMAL_CREATOR_ORDERS = 0.4
#: Orders without a known buyer (guest checkout).
GUEST = 0.015
#: Log-spread of planted order values (mean = median × exp(sigma² / 2)).
PLANTED_SIGMA = 0.5
