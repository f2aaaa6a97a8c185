"""The rest of Atera's API a sync may touch (a mixin of ``AteraApp``): tickets, agents, work
hours, custom values of every record type, and the DELETE verbs the OpenAPI document defines.

Shapes are the document's (``TicketDto``, ``AgentDto``, ``WorkhourRecordDto``,
``TicketWorkHoursDto``, ``TicketWorkHoursSummaryDto``, ``TicketDurationsDto``,
``CustomFieldDto``, ``CustomValueDto``); lists use the same envelope and paging defaults
(``itemsInPage`` 20, at most 50) as the rest. Work-hour filters are local times without an
offset (the parameter descriptions), ``tickets/lastmodified?date=`` is UTC. A seed without
tickets, agents or work hours gets a few per customer, generated the same way every time.
"""

from __future__ import annotations

import datetime as dt
import random
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from ._atera_common import (
    Json,
    Problem,
    body_of,
    by_id,
    float_or_zero,
    get,
    json_response,
    local_time,
    page,
    sorted_records,
    stable_uuid,
)

__all__ = ["CUSTOM_FIELDS", "AteraMoreMixin", "generate_activity"]

# Custom fields defined "in the Atera UI" of the demo account, per target
# (CustomFieldTargetDto); the path segment of each target's custom-value routes.
CUSTOM_FIELDS: dict[str, tuple[str, ...]] = {
    "Customer": ("Xero Contact ID", "Xero Link", "Billing Notes"),
    "Contact": ("Xero Contact Person",),
    "Contract": ("Xero Item Code",),
    "Ticket": ("Xero Invoice",),
}
_TARGETS = {"customer": "Customer", "contact": "Contact", "contract": "Contract",
            "ticket": "Ticket"}
_CUSTOM_VALUE: dict[str, tuple[type, ...]] = {"Value": (str, type(None))}
_STATUSES = ("Open", "Pending", "Resolved", "Closed")
_DURATION_KEYS = ("OffSLADurationHours", "OffSiteDurationHours", "OnSLADurationHours",
                  "OnSiteDurationHours", "TotalDurationHours")


class AteraMoreMixin:
    """Handlers ``AteraApp`` dispatches to; it provides the attributes declared here."""

    if TYPE_CHECKING:
        customers: dict[int, Json]
        contacts: dict[int, Json]
        contracts: dict[int, Json]
        products: dict[int, Json]
        expenses: dict[int, Json]
        _lock: threading.RLock
        _now: Callable[[], str]

    def _init_more(self, data: Mapping[str, Any]) -> None:
        if "tickets" in data or "agents" in data or "workhours" in data:
            tickets, agents, hours = (data.get("tickets") or [], data.get("agents") or [],
                                      data.get("workhours") or [])
        else:
            tickets, agents, hours = generate_activity(self.customers, self.contacts,
                                                       self.contracts)
        self.tickets: dict[int, Json] = by_id(tickets, "TicketID")
        self.agents: dict[int, Json] = by_id(agents, "AgentID")
        self.workhours: dict[int, Json] = by_id(hours, "WorkHoursID")
        # ticket id -> last modified (UTC), for tickets/lastmodified
        self.ticket_modified: dict[int, str] = {
            t["TicketID"]: str(t.get("TicketCreatedDate") or "") for t in self.tickets.values()}
        # (target, record id, field) -> value as text
        self.custom_values: dict[tuple[str, int, str], str] = {}

    @staticmethod
    def _more_rules() -> list[Rule]:
        r = "/api/v3"
        get_, write, delete = ["GET"], ["PUT", "POST"], ["DELETE"]
        rules = [
            Rule(f"{r}/contacts/<int:item_id>", methods=delete, endpoint="contacts_delete"),
            Rule(f"{r}/rates/<any(products,expenses):kind>/<int:item_id>", methods=delete,
                 endpoint="rates_delete"),
            Rule(f"{r}/tickets", methods=get_, endpoint="tickets_list"),
            Rule(f"{r}/tickets/noComments", methods=get_, endpoint="tickets_nocomments"),
            Rule(f"{r}/tickets/statusmodified", methods=get_, endpoint="tickets_status"),
            Rule(f"{r}/tickets/lastmodified", methods=get_, endpoint="tickets_lastmodified"),
            Rule(f"{r}/tickets/billableduration", methods=["POST"],
                 endpoint="tickets_durations"),
            Rule(f"{r}/tickets/<int:item_id>", methods=get_, endpoint="tickets_get"),
            Rule(f"{r}/tickets/<int:item_id>", methods=delete, endpoint="tickets_delete"),
            Rule(f"{r}/tickets/<int:item_id>/workhours", methods=get_,
                 endpoint="tickets_workhours"),
            Rule(f"{r}/tickets/<int:item_id>/workhoursrecords", methods=get_,
                 endpoint="tickets_records"),
            Rule(f"{r}/tickets/<int:item_id>/<any(billableduration,nonbillableduration):which>",
                 methods=get_, endpoint="tickets_duration"),
            Rule(f"{r}/workhours", methods=get_, endpoint="workhours_list"),
            Rule(f"{r}/agents", methods=get_, endpoint="agents_list"),
            Rule(f"{r}/agents/customer/<int:item_id>", methods=get_,
                 endpoint="agents_customer"),
            Rule(f"{r}/agents/machine/<path:machine>", methods=get_, endpoint="agents_machine"),
            Rule(f"{r}/agents/<int:item_id>", methods=get_, endpoint="agents_get"),
            Rule(f"{r}/agents/<int:item_id>", methods=delete, endpoint="agents_delete"),
            Rule(f"{r}/customvalues/customfields", methods=get_, endpoint="custom_fields"),
            Rule(f"{r}/customvalues/<any(customerfields,contactfields,contractfields,"
                 "ticketfields):target>/<int:item_id>", methods=get_, endpoint="custom_all"),
            Rule(f"{r}/customvalues/<any(customerfield,contactfield,contractfield,"
                 "ticketfield):target>/<int:item_id>/<path:field>", methods=get_,
                 endpoint="custom_get"),
            Rule(f"{r}/customvalues/<any(customerfield,contactfield,contractfield,"
                 "ticketfield):target>/<int:item_id>/<path:field>", methods=write,
                 endpoint="custom_set"),
            Rule(f"{r}/customvalues/<custom_id>", methods=get_, endpoint="custom_by_id"),
        ]
        return rules

    # --- deletes ----------------------------------------------------------------------------

    def _h_contacts_delete(self, request: Request, item_id: int) -> Response:
        get(self.contacts, item_id, "contact")
        del self.contacts[item_id]
        return Response(status=204)

    def _h_rates_delete(self, request: Request, kind: str, item_id: int) -> Response:
        rates = self.products if kind == "products" else self.expenses
        get(rates, item_id, kind[:-1])
        del rates[item_id]
        return Response(status=204)

    def _h_tickets_delete(self, request: Request, item_id: int) -> Response:
        get(self.tickets, item_id, "ticket")
        del self.tickets[item_id]
        for wid in [w for w, rec in self.workhours.items() if rec["TicketID"] == item_id]:
            del self.workhours[wid]
        return Response(status=204)

    def _h_agents_delete(self, request: Request, item_id: int) -> Response:
        get(self.agents, item_id, "agent")
        del self.agents[item_id]
        return Response(status=204)

    # --- tickets ----------------------------------------------------------------------------

    def _tickets(self, request: Request, records: list[Json], comments: bool) -> Response:
        relations = _flag(request, "includeRelations", False)
        out = [_ticket_view(t, comments, relations) for t in records]
        return page(request, out)

    def _h_tickets_list(self, request: Request) -> Response:
        records = sorted_records(self.tickets)
        customer = request.args.get("customerId")
        if customer:
            records = [t for t in records if str(t.get("CustomerID")) == customer]
        status = request.args.get("ticketStatus")
        if status:
            records = [t for t in records if str(t.get("TicketStatus")).lower() == status.lower()]
        return self._tickets(request, records, comments=True)

    def _h_tickets_nocomments(self, request: Request) -> Response:
        return self._tickets(request, sorted_records(self.tickets), comments=False)

    def _h_tickets_status(self, request: Request) -> Response:
        done = [t for t in sorted_records(self.tickets)
                if t.get("TicketStatus") in ("Resolved", "Closed")]
        return self._tickets(request, done, _flag(request, "includeComments", True))

    def _h_tickets_lastmodified(self, request: Request) -> Response:
        raw = request.args.get("date")
        try:
            since = (dt.datetime.fromisoformat(raw.replace("Z", "+00:00")) if raw else
                     dt.datetime.combine(dt.datetime.now(dt.UTC).date(), dt.time()))
        except ValueError:
            raise Problem(400, f"date must be an ISO 8601 date, got {raw!r}",
                          {"date": [str(raw)]}) from None
        cut = since.replace(tzinfo=None).isoformat(timespec="seconds")
        changed = [t for t in sorted_records(self.tickets)
                   if self.ticket_modified.get(t["TicketID"], "") >= cut]
        return self._tickets(request, changed, _flag(request, "includeComments", False))

    def _h_tickets_get(self, request: Request, item_id: int) -> Response:
        ticket = get(self.tickets, item_id, "ticket")
        return json_response(_ticket_view(ticket, True,
                                          _flag(request, "includeRelations", False)))

    def _hours_of(self, ticket_id: int) -> list[Json]:
        return [w for w in sorted_records(self.workhours) if w["TicketID"] == ticket_id]

    def _h_tickets_records(self, request: Request, item_id: int) -> Response:
        get(self.tickets, item_id, "ticket")
        return page(request, [{k: v for k, v in w.items()
                               if k not in ("CustomerID", "EndUserID")}
                              for w in self._hours_of(item_id)])

    def _durations(self, ticket_id: int, billable: bool) -> Json:
        out = dict.fromkeys(_DURATION_KEYS, 0.0)
        for w in self._hours_of(ticket_id):
            if bool(w.get("Billiable")) != billable:
                continue
            hours = _hours(w)
            out["TotalDurationHours"] += hours
            out["OnSiteDurationHours" if w.get("OnCustomerSite") else
                "OffSiteDurationHours"] += hours
            out["OnSLADurationHours"] += hours
        return {**{k: round(v, 2) for k, v in out.items()}, "ticketId": ticket_id}

    def _h_tickets_duration(self, request: Request, item_id: int, which: str) -> Response:
        get(self.tickets, item_id, "ticket")
        return json_response(self._durations(item_id, which == "billableduration"))

    def _h_tickets_workhours(self, request: Request, item_id: int) -> Response:
        get(self.tickets, item_id, "ticket")
        return json_response({"TicketID": item_id,
                              "Billable": self._durations(item_id, True),
                              "NonBillable": self._durations(item_id, False)})

    def _h_tickets_durations(self, request: Request) -> Response:
        ids = request.get_json(silent=True)
        if not isinstance(ids, list) or not all(isinstance(i, int) for i in ids):
            raise Problem(400, "the body must be a JSON array of ticket ids")
        return json_response([self._durations(i, True) for i in ids if i in self.tickets])

    # --- work hours ---------------------------------------------------------------------------

    def _h_workhours_list(self, request: Request) -> Response:
        start = local_time(request.args.get("startWorkhour"), "startWorkhour")
        end = local_time(request.args.get("endWorkhour"), "endWorkhour")
        if start and end and start > end:
            raise Problem(400, "startWorkhour is after endWorkhour",
                          {"startWorkhour": [start], "endWorkhour": [end]})
        rates = _flag(request, "includeRates", False)
        out = []
        for w in sorted_records(self.workhours):
            if (start and str(w.get("StartWorkHour")) < start) or (
                    end and str(w.get("EndWorkHour")) > end):
                continue
            rec = dict(w)
            if not rates:  # "includeRates ... (default is false)"
                rec.pop("RateID", None)
                rec.pop("RateAmount", None)
            out.append(rec)
        return page(request, out)

    # --- agents ---------------------------------------------------------------------------------

    def _h_agents_list(self, request: Request) -> Response:
        return page(request, sorted_records(self.agents))

    def _h_agents_customer(self, request: Request, item_id: int) -> Response:
        return page(request, [a for a in sorted_records(self.agents)
                              if a.get("CustomerID") == item_id])

    def _h_agents_machine(self, request: Request, machine: str) -> Response:
        return page(request, [a for a in sorted_records(self.agents)
                              if str(a.get("MachineName", "")).lower() == machine.lower()])

    def _h_agents_get(self, request: Request, item_id: int) -> Response:
        return json_response(get(self.agents, item_id, "agent"))

    # --- custom values ---------------------------------------------------------------------------

    def _owner(self, target: str, item_id: int) -> None:
        records = {"Customer": self.customers, "Contact": self.contacts,
                   "Contract": self.contracts, "Ticket": self.tickets}[target]
        get(records, item_id, target.lower())

    def _field(self, target: str, field: str) -> str:
        known = CUSTOM_FIELDS.get(target, ())
        if field not in known:
            raise Problem(400, f"{target.lower()} custom field {field!r} does not exist; known: "
                          f"{', '.join(known)}", {"fieldName": [field]})
        return field

    def _value_dto(self, target: str, item_id: int, field: str, value: str) -> Json:
        return {"ItemId": item_id, "Id": stable_uuid(f"{target}/{item_id}/{field}"),
                "FieldName": field, "ValueAsString": value,
                "ValueAsDecimal": float_or_zero(value), "ValueAsDateTime": None,
                "ValueAsBool": value.strip().lower() == "true", "OptionId": None}

    def _h_custom_fields(self, request: Request) -> Response:
        return json_response([{"Name": name, "DataType": "Text", "Target": target,
                               "PossibleValues": None, "ParentAttributeName": None}
                              for target, names in CUSTOM_FIELDS.items() for name in names])

    def _h_custom_all(self, request: Request, target: str, item_id: int) -> Response:
        kind = _TARGETS[target[:-len("fields")]]
        self._owner(kind, item_id)
        return json_response([self._value_dto(kind, item_id, f, v)
                              for (t, i, f), v in self.custom_values.items()
                              if t == kind and i == item_id])

    def _h_custom_get(self, request: Request, target: str, item_id: int, field: str
                      ) -> Response:
        kind = _TARGETS[target[:-len("field")]]
        self._owner(kind, item_id)
        field = self._field(kind, field)
        value = self.custom_values.get((kind, item_id, field))
        return json_response([] if value is None else
                             [self._value_dto(kind, item_id, field, value)])

    def _h_custom_set(self, request: Request, target: str, item_id: int, field: str
                      ) -> Response:
        kind = _TARGETS[target[:-len("field")]]
        self._owner(kind, item_id)
        field = self._field(kind, field)
        value = body_of(request, _CUSTOM_VALUE).get("Value")
        if value is None or value == "":
            self.custom_values.pop((kind, item_id, field), None)
        else:
            self.custom_values[(kind, item_id, field)] = value
        if kind == "Ticket":
            self.ticket_modified[item_id] = self._now()
        return json_response({"ActionID": str(item_id)})

    def _h_custom_by_id(self, request: Request, custom_id: str) -> Response:
        for (kind, item_id, field), value in self.custom_values.items():
            if stable_uuid(f"{kind}/{item_id}/{field}") == custom_id.lower():
                return json_response([self._value_dto(kind, item_id, field, value)])
        return json_response([])


def _flag(request: Request, name: str, default: bool) -> bool:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() not in ("true", "false"):
        raise Problem(400, f"{name} must be true or false, got {raw!r}", {name: [raw]})
    return raw.lower() == "true"


def _ticket_view(ticket: Json, comments: bool, relations: bool) -> Json:
    out = dict(ticket)
    if not comments:
        for k in ("FirstComment", "LastEndUserComment", "LastTechnicianComment",
                  "LastEndUserCommentTimestamp", "LastTechnicianCommentTimestamp"):
            out.pop(k, None)
    if not relations:
        out.pop("RelationType", None)
        out.pop("RelatedTicketId", None)
    return out


def _hours(w: Json) -> float:
    start = dt.datetime.fromisoformat(str(w["StartWorkHour"]))
    end = dt.datetime.fromisoformat(str(w["EndWorkHour"]))
    return (end - start).total_seconds() / 3600


def _hourly_rate(contracts: Mapping[int, Json], customer_id: int) -> Json | None:
    """The labour rate a customer's contract bills hours at (its RateDto), if any."""
    for c in contracts.values():
        if c.get("CustomerID") != customer_id:
            continue
        sub = c.get(f"{c.get('ContractType')}Contract") or {}
        rate = sub.get("PrimaryRate") or sub.get("PricePerHour")
        if isinstance(rate, dict) and rate.get("RateID") is not None:
            return rate
    return None


def generate_activity(customers: Mapping[int, Json], contacts: Mapping[int, Json],
                      contracts: Mapping[int, Json], seed: int = 15
                      ) -> tuple[list[Json], list[Json], list[Json]]:
    """Tickets, agents and work hours for a seed without them: a few per customer, the same
    every time (times in the account's zone, without an offset, as Atera writes them)."""
    rng = random.Random(seed)
    by_customer: dict[int, list[Json]] = {}
    for c in contacts.values():
        by_customer.setdefault(int(c.get("CustomerID") or 0), []).append(c)
    tickets: list[Json] = []
    agents: list[Json] = []
    hours: list[Json] = []
    base = dt.datetime(2026, 8, 1, 9, 0, 0)
    tech = {"TechnicianContactID": 9001, "TechnicianFullName": "Tara Tech",
            "TechnicianEmail": "tara@msp.example"}
    for cid in sorted(customers)[:200]:
        cust = customers[cid]
        for _ in range(rng.randint(1, 2)):
            aid = len(agents) + 1
            prefix = "".join(ch for ch in str(cust.get("CustomerName", "PC")) if ch.isalnum())
            name = f"{prefix[:6].upper()}-{aid:04d}"  # machine names are unique
            when = (base - dt.timedelta(days=rng.randint(30, 900))).isoformat()
            agents.append({"AgentID": aid, "MachineID": f"m-{aid:05d}",
                           "DeviceGuid": stable_uuid(f"agent/{aid}"), "CustomerID": cid,
                           "CustomerName": cust.get("CustomerName"), "AgentName": name,
                           "MachineName": name, "SystemName": name, "Monitored": True,
                           "Online": rng.random() > 0.2, "Created": when, "Modified": when,
                           "OS": rng.choice(["Windows 11 Pro", "Windows Server 2022"]),
                           "OSType": "Work Station", "DeviceType": "Workstation"})
        people = by_customer.get(cid, [])
        rate = _hourly_rate(contracts, cid) or {}
        for _ in range(rng.randint(0, 2)):
            tid = len(tickets) + 1
            person = people[rng.randrange(len(people))] if people else {}
            opened = base + dt.timedelta(days=rng.randint(0, 40), hours=rng.randint(0, 8))
            status = rng.choice(_STATUSES)
            ticket: Json = {
                "TicketID": tid, "TicketNumber": str(1000 + tid),
                "TicketTitle": rng.choice(["Printer offline", "New starter laptop",
                                           "VPN drops", "Mailbox full", "Backup failed"]),
                "TicketPriority": rng.choice(["Low", "Medium", "High"]),
                "TicketImpact": "Minor", "TicketStatus": status, "TicketSource": "Email",
                "TicketType": "Incident", "EndUserID": person.get("EndUserID"),
                "EndUserEmail": person.get("Email"),
                "EndUserFirstName": person.get("Firstname"),
                "EndUserLastName": person.get("Lastname"),
                "TicketCreatedDate": opened.isoformat(), "CustomerID": cid,
                "CustomerName": cust.get("CustomerName"),
                "FirstComment": "Reported by e-mail.",
                "RelationType": "None", "RelatedTicketId": None, **tech,
            }
            if status in ("Resolved", "Closed"):
                ticket["TicketResolvedDate"] = (opened + dt.timedelta(hours=6)).isoformat()
            seconds = 0
            for _ in range(rng.randint(1, 3)):
                wid = len(hours) + 1
                start = opened + dt.timedelta(hours=rng.randint(1, 30))
                minutes = rng.choice([15, 30, 45, 60, 90, 120])
                seconds += minutes * 60
                hours.append({
                    "WorkHoursID": wid, "TicketID": tid, "CustomerID": cid,
                    "EndUserID": person.get("EndUserID"),
                    "StartWorkHour": start.isoformat(),
                    "EndWorkHour": (start + dt.timedelta(minutes=minutes)).isoformat(),
                    "Billiable": rng.random() > 0.25, "OnCustomerSite": rng.random() > 0.7,
                    "Description": "Remote session", "RateID": rate.get("RateID"),
                    "RateAmount": rate.get("Amount"),
                    **tech})
            ticket.update(TotalDurationSeconds=seconds, TotalDurationMinutes=seconds // 60)
            tickets.append(ticket)
    return tickets, agents, hours
