"""What Xero's spec says about the fields of each record type the sandbox serves.

``types`` drives ``where``/``order`` (an unknown field or a literal of the wrong type is
refused as Xero's QueryParseException does) and the reading of XML bodies; ``max`` is every
``maxLength`` (each write is checked); ``read_only`` the fields Xero ignores on a write.

Copied from ``reference/xero/xero_accounting.yaml`` (16.1.0); ``tests/test_sandbox_xero_rules.py``
holds this table to the spec, so a new version of the spec shows what changed. Types:
``string``, ``number``, ``boolean``, ``uuid``, ``date`` (MS-JSON dates), ``enum``,
``object:<Schema>``, ``array:<Schema or type>``.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ACCOUNT_CODE_MAX", "SCHEMAS", "Schema"]

# Account.Code: "(max length = 10)" is in the description, not a maxLength.
ACCOUNT_CODE_MAX = 10


@dataclass(frozen=True)
class Schema:
    types: dict[str, str]
    max: dict[str, int]
    read_only: frozenset[str]


_Schema = Schema

SCHEMAS: dict[str, Schema] = {
    "Contact": _Schema(
        types={"ContactID": "uuid", "MergedToContactID": "uuid", "ContactNumber": "string",
            "AccountNumber": "string", "ContactStatus": "enum", "Name": "string",
            "FirstName": "string", "LastName": "string", "CompanyNumber": "string",
            "EmailAddress": "string", "ContactPersons": "array:ContactPerson",
            "BankAccountDetails": "string", "TaxNumber": "string", "TaxNumberType": "enum",
            "AccountsReceivableTaxType": "string", "AccountsPayableTaxType": "string",
            "Addresses": "array:Address", "Phones": "array:Phone", "IsSupplier": "boolean",
            "IsCustomer": "boolean", "SalesDefaultLineAmountType": "enum",
            "PurchasesDefaultLineAmountType": "enum", "DefaultCurrency": "enum",
            "XeroNetworkKey": "string", "SalesDefaultAccountCode": "string",
            "PurchasesDefaultAccountCode": "string",
            "SalesTrackingCategories": "array:SalesTrackingCategory",
            "PurchasesTrackingCategories": "array:SalesTrackingCategory",
            "TrackingCategoryName": "string", "TrackingCategoryOption": "string",
            "PaymentTerms": "object:PaymentTerm", "UpdatedDateUTC": "date",
            "ContactGroups": "array:ContactGroup", "Website": "string",
            "BrandingTheme": "object:BrandingTheme",
            "BatchPayments": "object:BatchPaymentDetails", "Discount": "number",
            "Balances": "object:Balances", "Attachments": "array:Attachment",
            "HasAttachments": "boolean", "ValidationErrors": "array:ValidationError",
            "HasValidationErrors": "boolean", "StatusAttributeString": "string"},
        max={"ContactNumber": 50, "AccountNumber": 50, "Name": 255, "FirstName": 255,
            "LastName": 255, "CompanyNumber": 50, "EmailAddress": 255, "TaxNumber": 50},
        read_only=frozenset({"Discount", "UpdatedDateUTC", "Website"})),
    "Address": _Schema(
        types={"AddressType": "enum", "AddressLine1": "string", "AddressLine2": "string",
            "AddressLine3": "string", "AddressLine4": "string", "City": "string",
            "Region": "string", "PostalCode": "string", "Country": "string",
            "AttentionTo": "string"},
        max={"AddressLine1": 500, "AddressLine2": 500, "AddressLine3": 500, "AddressLine4": 500,
            "City": 255, "Region": 255, "PostalCode": 50, "Country": 50, "AttentionTo": 255},
        read_only=frozenset({})),
    "Phone": _Schema(
        types={"PhoneType": "enum", "PhoneNumber": "string", "PhoneAreaCode": "string",
            "PhoneCountryCode": "string"},
        max={"PhoneNumber": 50, "PhoneAreaCode": 10, "PhoneCountryCode": 20},
        read_only=frozenset({})),
    "ContactPerson": _Schema(
        types={"FirstName": "string", "LastName": "string", "EmailAddress": "string",
            "IncludeInEmails": "boolean"},
        max={},
        read_only=frozenset({})),
    "Item": _Schema(
        types={"Code": "string", "InventoryAssetAccountCode": "string", "Name": "string",
            "IsSold": "boolean", "IsPurchased": "boolean", "Description": "string",
            "PurchaseDescription": "string", "PurchaseDetails": "object:Purchase",
            "SalesDetails": "object:Purchase", "IsTrackedAsInventory": "boolean",
            "TotalCostPool": "number", "QuantityOnHand": "number", "UpdatedDateUTC": "date",
            "ItemID": "uuid", "StatusAttributeString": "string",
            "ValidationErrors": "array:ValidationError"},
        max={"Code": 30, "Name": 50, "Description": 4000, "PurchaseDescription": 4000},
        read_only=frozenset({"UpdatedDateUTC"})),
    "Purchase": _Schema(
        types={"UnitPrice": "number", "AccountCode": "string", "COGSAccountCode": "string",
            "TaxType": "string"},
        max={},
        read_only=frozenset({})),
    "Invoice": _Schema(
        types={"Type": "enum", "Contact": "object:Contact", "LineItems": "array:LineItem",
            "Date": "date", "DueDate": "date", "LineAmountTypes": "enum",
            "InvoiceNumber": "string", "Reference": "string", "BrandingThemeID": "uuid",
            "Url": "string", "CurrencyCode": "enum", "CurrencyRate": "number", "Status": "enum",
            "SentToContact": "boolean", "ExpectedPaymentDate": "date",
            "PlannedPaymentDate": "date", "CISDeduction": "number", "CISRate": "number",
            "SubTotal": "number", "TotalTax": "number", "Total": "number",
            "TotalDiscount": "number", "InvoiceID": "uuid", "RepeatingInvoiceID": "uuid",
            "HasAttachments": "boolean", "IsDiscounted": "boolean", "Payments": "array:Payment",
            "Prepayments": "array:Prepayment", "Overpayments": "array:Overpayment",
            "AmountDue": "number", "AmountPaid": "number", "FullyPaidOnDate": "date",
            "AmountCredited": "number", "UpdatedDateUTC": "date",
            "UpdatedDateUTCString": "string", "CreditNotes": "array:CreditNote",
            "Attachments": "array:Attachment", "HasErrors": "boolean",
            "StatusAttributeString": "string", "ValidationErrors": "array:ValidationError",
            "Warnings": "array:ValidationError", "InvoiceAddresses": "array:InvoiceAddress"},
        max={"InvoiceNumber": 255},
        read_only=frozenset({"AmountCredited", "AmountDue", "AmountPaid", "CISDeduction",
            "CISRate", "CreditNotes", "FullyPaidOnDate", "HasAttachments", "IsDiscounted",
            "Overpayments", "Payments", "Prepayments", "SubTotal", "Total", "TotalDiscount",
            "TotalTax", "UpdatedDateUTC", "UpdatedDateUTCString"})),
    "LineItem": _Schema(
        types={"LineItemID": "uuid", "Description": "string", "Quantity": "number",
            "UnitAmount": "number", "ItemCode": "string", "AccountCode": "string",
            "AccountID": "uuid", "TaxType": "string", "TaxAmount": "number",
            "Item": "object:LineItemItem", "LineAmount": "number",
            "Tracking": "array:LineItemTracking", "DiscountRate": "number",
            "DiscountAmount": "number", "RepeatingInvoiceID": "uuid", "Taxability": "enum",
            "SalesTaxCodeId": "number", "TaxBreakdown": "array:TaxBreakdownComponent"},
        max={},
        read_only=frozenset({})),
    "CreditNote": _Schema(
        types={"Type": "enum", "Contact": "object:Contact", "Date": "date", "DueDate": "date",
            "Status": "enum", "LineAmountTypes": "enum", "LineItems": "array:LineItem",
            "SubTotal": "number", "TotalTax": "number", "Total": "number",
            "CISDeduction": "number", "CISRate": "number", "UpdatedDateUTC": "date",
            "UpdatedDateUTCString": "string", "CurrencyCode": "enum", "FullyPaidOnDate": "date",
            "CreditNoteID": "uuid", "CreditNoteNumber": "string", "Reference": "string",
            "SentToContact": "boolean", "CurrencyRate": "number", "RemainingCredit": "number",
            "Allocations": "array:Allocation", "AppliedAmount": "number",
            "Payments": "array:Payment", "BrandingThemeID": "uuid",
            "StatusAttributeString": "string", "HasAttachments": "boolean",
            "HasErrors": "boolean", "ValidationErrors": "array:ValidationError",
            "Warnings": "array:ValidationError", "InvoiceAddresses": "array:InvoiceAddress"},
        max={},
        read_only=frozenset({"CISDeduction", "CISRate", "SentToContact", "UpdatedDateUTC",
            "UpdatedDateUTCString"})),
    "Payment": _Schema(
        types={"Invoice": "object:Invoice", "CreditNote": "object:CreditNote",
            "Prepayment": "object:Prepayment", "Overpayment": "object:Overpayment",
            "InvoiceNumber": "string", "CreditNoteNumber": "string",
            "BatchPayment": "object:BatchPayment", "Account": "object:Account",
            "Code": "string", "Date": "date", "CurrencyRate": "number", "Amount": "number",
            "BankAmount": "number", "Reference": "string", "IsReconciled": "boolean",
            "Status": "enum", "PaymentType": "enum", "UpdatedDateUTC": "date",
            "UpdatedDateUTCString": "string", "PaymentID": "uuid", "BatchPaymentID": "uuid",
            "BankAccountNumber": "string", "Particulars": "string", "Details": "string",
            "HasAccount": "boolean", "HasValidationErrors": "boolean",
            "StatusAttributeString": "string", "ValidationErrors": "array:ValidationError",
            "Warnings": "array:ValidationError"},
        max={},
        read_only=frozenset({"PaymentType", "UpdatedDateUTC", "UpdatedDateUTCString"})),
    "Account": _Schema(
        types={"Code": "string", "Name": "string", "AccountID": "uuid", "Type": "enum",
            "BankAccountNumber": "string", "Status": "enum", "Description": "string",
            "BankAccountType": "enum", "CurrencyCode": "enum", "TaxType": "string",
            "EnablePaymentsToAccount": "boolean", "ShowInExpenseClaims": "boolean",
            "Class": "enum", "SystemAccount": "enum", "ReportingCode": "string",
            "ReportingCodeName": "string", "HasAttachments": "boolean",
            "UpdatedDateUTC": "date", "AddToWatchlist": "boolean",
            "ValidationErrors": "array:ValidationError"},
        max={"Name": 150},
        read_only=frozenset({"Class", "HasAttachments", "ReportingCodeName", "SystemAccount",
            "UpdatedDateUTC"})),
    "TaxRate": _Schema(
        types={"Name": "string", "TaxType": "string", "TaxComponents": "array:TaxComponent",
            "Status": "enum", "ReportTaxType": "enum", "CanApplyToAssets": "boolean",
            "CanApplyToEquity": "boolean", "CanApplyToExpenses": "boolean",
            "CanApplyToLiabilities": "boolean", "CanApplyToRevenue": "boolean",
            "DisplayTaxRate": "number", "EffectiveRate": "number"},
        max={},
        read_only=frozenset({"CanApplyToAssets", "CanApplyToEquity", "CanApplyToExpenses",
            "CanApplyToLiabilities", "CanApplyToRevenue", "DisplayTaxRate", "EffectiveRate"})),
    "TaxComponent": _Schema(
        types={"Name": "string", "Rate": "number", "IsCompound": "boolean",
            "IsNonRecoverable": "boolean"},
        max={},
        read_only=frozenset({})),
    "Currency": _Schema(
        types={"Code": "enum", "Description": "string"},
        max={},
        read_only=frozenset({})),
    "BrandingTheme": _Schema(
        types={"BrandingThemeID": "uuid", "Name": "string", "LogoUrl": "string", "Type": "enum",
            "SortOrder": "number", "CreatedDateUTC": "date"},
        max={},
        read_only=frozenset({"CreatedDateUTC"})),
    "Organisation": _Schema(
        types={"OrganisationID": "uuid", "APIKey": "string", "Name": "string",
            "LegalName": "string", "PaysTax": "boolean", "Version": "enum",
            "OrganisationType": "enum", "BaseCurrency": "enum", "CountryCode": "enum",
            "IsDemoCompany": "boolean", "OrganisationStatus": "string",
            "RegistrationNumber": "string", "EmployerIdentificationNumber": "string",
            "TaxNumber": "string", "FinancialYearEndDay": "number",
            "FinancialYearEndMonth": "number", "SalesTaxBasis": "enum",
            "SalesTaxPeriod": "enum", "DefaultSalesTax": "string",
            "DefaultPurchasesTax": "string", "PeriodLockDate": "date",
            "EndOfYearLockDate": "date", "CreatedDateUTC": "date", "Timezone": "enum",
            "OrganisationEntityType": "enum", "ShortCode": "string", "Class": "enum",
            "Edition": "enum", "LineOfBusiness": "string",
            "Addresses": "array:AddressForOrganisation", "Phones": "array:Phone",
            "ExternalLinks": "array:ExternalLink", "PaymentTerms": "object:PaymentTerm"},
        max={},
        read_only=frozenset({"CreatedDateUTC"})),
    "TrackingCategory": _Schema(
        types={"TrackingCategoryID": "uuid", "TrackingOptionID": "uuid", "Name": "string",
            "Option": "string", "Status": "enum", "Options": "array:TrackingOption"},
        max={"Name": 100, "Option": 100},
        read_only=frozenset({})),
    "TrackingOption": _Schema(
        types={"TrackingOptionID": "uuid", "Name": "string", "Status": "enum",
            "TrackingCategoryID": "uuid"},
        max={"Name": 100},
        read_only=frozenset({})),
    "LineItemTracking": _Schema(
        types={"TrackingCategoryID": "uuid", "TrackingOptionID": "uuid", "Name": "string",
            "Option": "string"},
        max={"Name": 100},
        read_only=frozenset({})),}
