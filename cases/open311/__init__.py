"""Open311 GeoReport v2 at /open311/v2/ (docs/domain.md §9): the public interface FixMyStreet-style apps speak.

Decisions, in one place:

- service_code is our Category's id as a string ("42"). A category's national code is not unique on
  its own (部件 01001 and 事项 01001 both exist, and local extensions may reuse codes), the id is, and it
  never changes because cases protect their category. The code and kind are in the description.
- service_request_id is the case number (案件编号, e.g. "120101-20260101-00001"): what a reporter is told
  on the phone or on a page, so the same id works everywhere.
- Requests are created synchronously, so there are no tokens: GET tokens/{token} answers 404.
- POST needs an active ApiClient of kind "open311" (api_key). The case is reported through
  cases.services.case_report as the system, source "public", so it is verified on site like any
  public report. A position (lat/long) is required: we locate a case by its grid, not by an address.
- media_url sent by a client is recorded in the report event's note and never fetched; a response's
  media_url is our own first report photo, when there is one.
- Reporter contact (email, name, phone) is stored on the case and never appears in any response.
"""
