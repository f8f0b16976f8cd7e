"""The 集星 binding quota checked against the data: which agencies hold more Lv6–7
creators than their level allows, said in the data load and as a notice to the agency.

    breaches = check_quota(con, session, program, on)   # set-wise over the store
    queue_quota_notices(session, con, program, breaches)
"""

from tierwise.quota.check import QuotaBreach, check_quota, queue_quota_notices, quota_day

__all__ = ["QuotaBreach", "check_quota", "queue_quota_notices", "quota_day"]
