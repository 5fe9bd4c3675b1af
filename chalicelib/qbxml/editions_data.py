"""qbXML 14.0 request elements, the version that introduced each and the editions lacking it.

Written by ``python -m tools.gen_qbxml_editions`` from ``shared/reference/qbxml/annotated/qbxmlops140.xml``
(Intuit's annotated qbXML 14.0 sample, git blob 800bd0c48dbff35b2fd73d270857db8deeec8258;
see shared/reference/SOURCES.md). GENERATED — do not edit: change the generator and run it again.
tests/unit/qbxml/test_editions.py fails when this file is not what the generator writes.

:data:`OUTLINE` holds every request element of qbXML 14.0, one a line, indented one space per
level below its ``*Rq`` element, siblings sorted by name. A line may end in where the element exists,
``<version>|<countries>``: the qbXML version that introduced it (empty: 1.0) and the countries whose
edition of QuickBooks Desktop lacks it (``US``, ``CA``, ``UK``, ``AU``), as in ``12.0``, ``10.0|AU`` or
``|US,CA,UK,AU``. A line without one inherits its parent's: an element exists at most where its parent does.
:mod:`chalicelib.qbxml.editions` reads it on first use.
"""

DATA_VERSION = "14.0"

OUTLINE = """\
ARRefundCreditCardAddRq 5.0
 ARRefundCreditCardAdd
  ARAccountRef
   FullName
   ListID
  Address
   Addr1
   Addr2
   Addr3
   Addr4
   Addr5 6.0
   City
   Country
   Note 6.0
   PostalCode
   State
  CreditCardTxnInfo
   CreditCardTxnInputInfo
    CommercialCardCode
    CreditCardAddress
    CreditCardNumber
    CreditCardPostalCode
    CreditCardTxnType 7.0
    ExpirationMonth
    ExpirationYear
    NameOnCard
    TransactionMode 6.0
   CreditCardTxnResultInfo
    AVSStreet
    AVSZip
    AuthorizationCode
    CardSecurityCodeMatch 6.0
    ClientTransID 6.0
    CreditCardTransID
    MerchantAccountNumber
    PaymentGroupingCode
    PaymentStatus
    ReconBatchID
    ResultCode
    ResultMessage
    TxnAuthorizationStamp
    TxnAuthorizationTime
  CustomerRef
   FullName
   ListID
  ExchangeRate 9.0
  ExternalGUID 9.0
  Memo
  PaymentMethodRef
   FullName
   ListID
  RefNumber
  RefundAppliedToTxnAdd
   RefundAmount
   TxnID
  RefundFromAccountRef
   FullName
   ListID
  TxnDate
 IncludeRetElement
ARRefundCreditCardQueryRq 5.0
 AccountFilter
  FullName
  FullNameWithChildren
  ListID
  ListIDWithChildren
 CurrencyFilter 9.0
  FullName
  ListID
 EntityFilter
  FullName
  FullNameWithChildren
  ListID
  ListIDWithChildren
 IncludeLineItems
 IncludeRetElement
 MaxReturned
 ModifiedDateRangeFilter
  FromModifiedDate
  ToModifiedDate
 OwnerID
 RefNumber
 RefNumberCaseSensitive
 RefNumberFilter
  MatchCriterion
  RefNumber
 RefNumberRangeFilter
  FromRefNumber
  ToRefNumber
 TxnDateRangeFilter
  DateMacro
  FromTxnDate
  ToTxnDate
 TxnID
AccountAddRq
 AccountAdd
  AccountNumber
  AccountType
  BankNumber
  CurrencyRef 8.0
   FullName
   ListID
  Desc
  DetailAccountType |US,CA,UK,AU
  IsActive
  Name
  OpenBalance
  OpenBalanceDate
  ParentRef
   FullName
   ListID
  SalesTaxCodeRef 6.0|US
   FullName
   ListID
  TaxLineID 7.0|UK
 IncludeRetElement 4.0
AccountModRq 6.0
 AccountMod
  AccountNumber
  AccountType
  BankNumber
  CurrencyRef 8.0
   FullName
   ListID
  Desc
  EditSequence
  IsActive
  ListID
  Name
  OpenBalance
  OpenBalanceDate
  ParentRef
   FullName
   ListID
  SalesTaxCodeRef 6.0|US
   FullName
   ListID
  TaxLineID 7.0|UK
 IncludeRetElement
AccountQueryRq
 AccountType
 ActiveStatus
 CurrencyFilter 8.0
  FullName
  ListID
 FromModifiedDate
 FullName
 IncludeRetElement 4.0
 ListID
 MaxReturned
 NameFilter
  MatchCriterion
  Name
 NameRangeFilter
  FromName
  ToName
 OwnerID 2.0
 ToModifiedDate
AccountTaxLineInfoQueryRq 7.0|UK
AgingReportQueryRq 2.0
 AgingReportType
 DisplayReport 3.0
 IncludeAccounts
 IncludeColumn
 ReportAccountFilter
  AccountTypeFilter
  FullName
  FullNameWithChildren
  ListID
  ListIDWithChildren
 ReportAgingAsOf
 ReportClassFilter 2.1
  FullName
  FullNameWithChildren
  ListID
  ListIDWithChildren
 ReportDateMacro
 ReportDetailLevelFilter 3.0
 ReportEntityFilter
  EntityTypeFilter
  FullName
  FullNameWithChildren
  ListID
  ListIDWithChildren
 ReportItemFilter
  FullName
  FullNameWithChildren
  ItemTypeFilter
  ListID
  ListIDWithChildren
 ReportModifiedDateRangeFilter 3.0
  FromReportModifiedDate
  ToReportModifiedDate
 ReportModifiedDateRangeMacro 3.0
 ReportPeriod
  FromReportDate
  ToReportDate
 ReportPostingStatusFilter 3.0
 ReportTxnTypeFilter
  TxnTypeFilter
BarCodeQueryRq 12.0|AU
 BarCodeValue
BillAddRq
 BillAdd
  APAccountRef 2.0
   FullName
   ListID
  DueDate
  ExchangeRate 8.0
  ExpenseLineAdd
   AccountRef
    FullName
    ListID
   Amount
   BillableStatus 2.0
   ClassRef
    FullName
    ListID
   CustomerRef
    FullName
    ListID
   DataExt 13.0
    DataExtName
    DataExtValue
    OwnerID
   Memo
   SalesRepRef 13.0
    FullName
    ListID
   SalesTaxCodeRef 6.0|US
    FullName
    ListID
   TaxAmount 6.1|US,CA,UK
  ExternalGUID 9.0
  IsTaxIncluded 6.0|US
  ItemGroupLineAdd
   DataExt 13.0
    DataExtName
    DataExtValue
    OwnerID
   Desc |US,CA,UK,AU
   InventorySiteLocationRef 12.0|AU
    FullName
    ListID
   InventorySiteRef 10.0|AU
    FullName
    ListID
   ItemGroupRef
    FullName
    ListID
   Quantity
   UnitOfMeasure 7.0
  ItemLineAdd
   Amount
   BillableStatus 2.0
   ClassRef
    FullName
    ListID
   Cost
   CustomerRef
    FullName
    ListID
   DataExt 13.0
    DataExtName
    DataExtValue
    OwnerID
   Desc
   InventorySiteLocationRef 12.0|AU
    FullName
    ListID
   InventorySiteRef 10.0|AU
    FullName
    ListID
   ItemRef
    FullName
    ListID
   LinkToTxn 4.0
    TxnID
    TxnLineID
   LotNumber 11.0|AU
   OverrideItemAccountRef 2.0
    FullName
    ListID
   Quantity
   SalesRepRef 13.0
    FullName
    ListID
   SalesTaxCodeRef 6.0|US
    FullName
    ListID
   SerialNumber 11.0|AU
   TaxAmount 6.1|US,CA,UK
   UnitOfMeasure 7.0
  LinkToTxnID 4.0
  Memo
  RefNumber
  SalesTaxCodeRef 6.0|US
   FullName
   ListID
  TermsRef
   FullName
   ListID
  TxnDate
  VendorAddress 13.0
   Addr1
   Addr2
   Addr3
   Addr4
   Addr5
   City
   Country
   Note
   PostalCode
   State
  VendorRef
   FullName
   ListID
 IncludeRetElement 4.0
BillModRq 3.0
 BillMod
  APAccountRef
   FullName
   ListID
  ClearExpenseLines
  ClearItemLines
  DueDate
  EditSequence
  ExchangeRate 8.0
  ExpenseLineMod
   AccountRef
    FullName
    ListID
   Amount
   BillableStatus
   ClassRef
    FullName
    ListID
   CustomerRef
    FullName
    ListID
   Memo
   SalesRepRef 13.0
    FullName
    ListID
   SalesTaxCodeRef 6.0|US
    FullName
    ListID
   TaxAmount 6.1|US,CA,UK
   TxnLineID
  IsTaxIncluded 6.0|US
  ItemGroupLineMod
   ItemGroupRef
    FullName
    ListID
   ItemLineMod
    Amount
    BillableStatus
    ClassRef
     FullName
     ListID
    Cost
    CustomerRef
     FullName
     ListID
    Desc
    InventorySiteLocationRef 12.0|AU
     FullName
     ListID
    InventorySiteRef 10.0|AU
     FullName
     ListID
    ItemRef
     FullName
     ListID
    LotNumber 11.0|AU
    OverrideItemAccountRef
     FullName
     ListID
    OverrideUOMSetRef 7.0
     FullName
     ListID
    Quantity
    SalesRepRef 13.0
     FullName
     ListID
    SalesTaxCodeRef 6.0|US
     FullName
     ListID
    SerialNumber 11.0|AU
    TaxAmount 6.1|US,CA,UK
    TxnLineID
    UnitOfMeasure 7.0
   OverrideUOMSetRef 7.0
    FullName
    ListID
   Quantity
   TxnLineID
   UnitOfMeasure 7.0
  ItemLineMod
   Amount
   BillableStatus
   ClassRef
    FullName
    ListID
   Cost
   CustomerRef
    FullName
    ListID
   Desc
   InventorySiteLocationRef 12.0|AU
    FullName
    ListID
   InventorySiteRef 10.0|AU
    FullName
    ListID
   ItemRef
    FullName
    ListID
   LotNumber 11.0|AU
   OverrideItemAccountRef
    FullName
    ListID
   OverrideUOMSetRef 7.0
    FullName
    ListID
   Quantity
   SalesRepRef 13.0
    FullName
    ListID
   SalesTaxCodeRef 6.0|US
    FullName
    ListID
   SerialNumber 11.0|AU
   TaxAmount 6.1|US,CA,UK
   TxnLineID
   UnitOfMeasure 7.0
  Memo
  RefNumber
  SalesTaxCodeRef 6.0|US
   FullName
   ListID
  TermsRef
   FullName
   ListID
  TxnDate
  TxnID
  VendorAddress 13.0
   Addr1
   Addr2
   Addr3
   Addr4
   Addr5
   City
   Country
   Note
   PostalCode
   State
  VendorRef
   FullName
   ListID
 IncludeRetElement 4.0
BillPaymentCheckAddRq 2.0
 BillPaymentCheckAdd
  APAccountRef
   FullName
   ListID
  AppliedToTxnAdd
   DiscountAccountRef
    FullName
    ListID
   DiscountAmount
   DiscountClassRef 11.0
    FullName
    ListID
   PaymentAmount
   SetCredit
    AppliedAmount
    CreditTxnID
    Override 10.0
    TxnLineID 2.0|US,CA,UK,AU
   TxnID
   TxnLineDetail 2.0|US,CA,UK,AU
    Amount
    TxnLineID
  BankAccountRef
   FullName
   ListID
  ExchangeRate 8.0
  ExternalGUID 9.0
  IsToBePrinted
  Memo 3.0
  PayeeEntityRef
   FullName
   ListID
  RefNumber
  TxnDate
 IncludeRetElement 4.0
BillPaymentCheckModRq 6.0
 BillPaymentCheckMod
  Amount
  AppliedToTxnMod
   DiscountAccountRef
    FullName
    ListID
   DiscountAmount
   DiscountClassRef 11.0
    FullName
    ListID
   PaymentAmount
   SetCredit
    AppliedAmount
    CreditTxnID
    Override 10.0
    TxnLineID 6.0|US,CA,UK,AU
   TxnID
  BankAccountRef
   FullName
   ListID
  EditSequence
  ExchangeRate 8.0
  IsToBePrinted
  Memo
  RefNumber
  TxnDate
  TxnID
 IncludeRetElement
BillPaymentCheckQueryRq 2.0
 AccountFilter
  FullName
  FullNameWithChildren
  ListID
  ListIDWithChildren
 CurrencyFilter 8.0
  FullName
  ListID
 EntityFilter
  FullName
  FullNameWithChildren
  ListID
  ListIDWithChildren
 IncludeLineItems
 IncludeRetElement 4.0
 MaxReturned
 ModifiedDateRangeFilter
  FromModifiedDate
  ToModifiedDate
 OwnerID
 RefNumber
 RefNumberCaseSensitive 4.0
 RefNumberFilter
  MatchCriterion
  RefNumber
 RefNumberRangeFilter
  FromRefNumber
  ToRefNumber
 TxnDateRangeFilter
  DateMacro
  FromTxnDate
  ToTxnDate
 TxnID
BillPaymentCreditCardAddRq 2.0
 BillPaymentCreditCardAdd
  APAccountRef
   FullName
   ListID
  AppliedToTxnAdd
   DiscountAccountRef
    FullName
    ListID
   DiscountAmount
   DiscountClassRef 11.0
    FullName
    ListID
   PaymentAmount
   SetCredit
    AppliedAmount
    CreditTxnID
    Override 10.0
    TxnLineID 2.0|US,CA,UK,AU
   TxnID
   TxnLineDetail 2.0|US,CA,UK,AU
    Amount
    TxnLineID
  CreditCardAccountRef
   FullName
   ListID
  ExchangeRate 8.0
  ExternalGUID 9.0
  Memo 3.0
  PayeeEntityRef
   FullName
   ListID
  RefNumber
  TxnDate
 IncludeRetElement 4.0
BillPaymentCreditCardQueryRq 2.0
 AccountFilter
  FullName
  FullNameWithChildren
  ListID
  ListIDWithChildren
 CurrencyFilter 8.0
  FullName
  ListID
 EntityFilter
  FullName
  FullNameWithChildren
  ListID
  ListIDWithChildren
 IncludeLineItems
 IncludeRetElement 4.0
 MaxReturned
 ModifiedDateRangeFilter
  FromModifiedDate
  ToModifiedDate
 OwnerID
 RefNumber
 RefNumberCaseSensitive 4.0
 RefNumberFilter
  MatchCriterion
  RefNumber
 RefNumberRangeFilter
  FromRefNumber
  ToRefNumber
 TxnDateRangeFilter
  DateMacro
  FromTxnDate
  ToTxnDate
 TxnID
BillQueryRq
 AccountFilter
  FullName
  FullNameWithChildren
  ListID 2.0
  ListIDWithChildren 2.0
 CurrencyFilter 8.0
  FullName
  ListID
 EntityFilter
  FullName
  FullNameWithChildren
  ListID 2.0
  ListIDWithChildren 2.0
 IncludeLineItems
 IncludeLinkedTxns 2.0
 IncludeRetElement 4.0
 MaxReturned
 ModifiedDateRangeFilter
  FromModifiedDate
  ToModifiedDate
 OwnerID 2.0
 PaidStatus
 RefNumber
 RefNumberCaseSensitive 4.0
 RefNumberFilter
  MatchCriterion
  RefNumber
 RefNumberRangeFilter
  FromRefNumber
  ToRefNumber
 TxnDateRangeFilter
  DateMacro
  FromTxnDate
  ToTxnDate
 TxnID
BillToPayQueryRq 2.0
 APAccountRef
  FullName
  ListID
 CurrencyFilter 8.0
  FullName
  ListID
 DueDate
 IncludeRetElement 4.0
 PayeeEntityRef
  FullName
  ListID
BillingRateAddRq 6.0
 BillingRateAdd
  BillingRatePerItem
   AdjustBillingRateRelativeTo
   AdjustPercentage
   CustomRate
   CustomRatePercent
   ItemRef
    FullName
    ListID
  FixedBillingRate
  Name
 IncludeRetElement
BillingRateQueryRq 6.0
 FromModifiedDate
 FullName
 IncludeRetElement
 ItemRef
  FullName
  ListID
 ListID
 MaxReturned
 NameFilter
  MatchCriterion
  Name
 NameRangeFilter
  FromName
  ToName
 ToModifiedDate
BudgetSummaryReportQueryRq 3.0
 BudgetCriterion
 BudgetSummaryReportType
 DisplayReport
 FiscalYear
 ReportClassFilter 9.0
  FullName
  FullNameWithChildren
  ListID
  ListIDWithChildren
 ReportDateMacro 9.0
 ReportPeriod 9.0
  FromReportDate
  ToReportDate
 SummarizeBudgetColumnsBy
 SummarizeBudgetRowsBy
BuildAssemblyAddRq 5.0
 BuildAssemblyAdd
  ExternalGUID 9.0
  InventorySiteLocationRef 12.0|AU
   FullName
   ListID
  InventorySiteRef 10.0|AU
   FullName
   ListID
  ItemInventoryAssemblyRef
   FullName
   ListID
  LotNumber 11.0|AU
  MarkPendingIfRequired 7.0
  Memo
  QuantityToBuild
  RefNumber
  SerialNumber 11.0|AU
  TxnDate
 IncludeRetElement
BuildAssemblyModRq 5.0
 BuildAssemblyMod
  EditSequence
  InventorySiteLocationRef 12.0|AU
   FullName
   ListID
  InventorySiteRef 10.0|AU
   FullName
   ListID
  LotNumber 11.0|AU
  MarkPendingIfRequired 7.0
  Memo
  QuantityToBuild
  RefNumber
  RemovePending
  SerialNumber 11.0|AU
  TxnDate
  TxnID
 IncludeRetElement
BuildAssemblyQueryRq 5.0
 IncludeComponentLineItems
 IncludeRetElement
 ItemFilter
  FullName
  FullNameWithChildren
  ListID
  ListIDWithChildren
 MaxReturned
 ModifiedDateRangeFilter
  FromModifiedDate
  ToModifiedDate
 OwnerID
 PendingStatus
 RefNumber
 RefNumberCaseSensitive
 RefNumberFilter
  MatchCriterion
  RefNumber
 RefNumberRangeFilter
  FromRefNumber
  ToRefNumber
 TxnDateRangeFilter
  DateMacro
  FromTxnDate
  ToTxnDate
 TxnID
ChargeAddRq 2.0
 ChargeAdd
  ARAccountRef
   FullName
   ListID
  Amount
  BilledDate
  ClassRef
   FullName
   ListID
  CustomerRef
   FullName
   ListID
  Desc
  DueDate
  ExternalGUID 9.0
  InventorySiteLocationRef 12.0|AU
   FullName
   ListID
  InventorySiteRef 10.0|AU
   FullName
   ListID
  ItemRef
   FullName
   ListID
  OptionForPriceRuleConflict 13.0
  OverrideItemAccountRef 3.0
   FullName
   ListID
  Quantity
  Rate
  RefNumber
  TxnDate
  UnitOfMeasure 7.0
 IncludeRetElement 4.0
ChargeModRq 3.0
 ChargeMod
  ARAccountRef
   FullName
   ListID
  Amount
  BilledDate
  ClassRef
   FullName
   ListID
  CustomerRef
   FullName
   ListID
  Desc
  DueDate
  EditSequence
  InventorySiteLocationRef 12.0|AU
   FullName
   ListID
  InventorySiteRef 10.0|AU
   FullName
   ListID
  ItemRef
   FullName
   ListID
  OptionForPriceRuleConflict 13.0
  OverrideItemAccountRef
   FullName
   ListID
  OverrideUOMSetRef 7.0
   FullName
   ListID
  Quantity
  Rate
  RefNumber
  TxnDate
  TxnID
  UnitOfMeasure 7.0
 IncludeRetElement 4.0
ChargeQueryRq 2.0
 AccountFilter
  FullName
  FullNameWithChildren
  ListID
  ListIDWithChildren
 EntityFilter
  FullName
  FullNameWithChildren
  ListID
  ListIDWithChildren
 IncludeLinkedTxns 3.0
 IncludeRetElement 4.0
 MaxReturned
 ModifiedDateRangeFilter
  FromModifiedDate
  ToModifiedDate
 OwnerID
 PaidStatus 4.0
 RefNumber
 RefNumberCaseSensitive 4.0
 RefNumberFilter
  MatchCriterion
  RefNumber
 RefNumberRangeFilter
  FromRefNumber
  ToRefNumber
 TxnDateRangeFilter
  DateMacro
  FromTxnDate
  ToTxnDate
 TxnID
CheckAddRq
 CheckAdd
  AccountRef
   FullName
   ListID
  Address
   Addr1
   Addr2
   Addr3
   Addr4 2.0
   Addr5 6.0
   City
   Country
   Note 6.0
   PostalCode
   State
  ApplyCheckToTxnAdd 7.0
   Amount
   TxnID
  ExchangeRate 8.0
  ExpenseLineAdd
   AccountRef
    FullName
    ListID
   Amount
   BillableStatus 2.0
   ClassRef
    FullName
    ListID
   CustomerRef
    FullName
    ListID
   DataExt 13.0
    DataExtName
    DataExtValue
    OwnerID
   Memo
   SalesRepRef 13.0
    FullName
    ListID
   SalesTaxCodeRef 6.0|US
    FullName
    ListID
   TaxAmount 6.1|US,CA,UK
  ExternalGUID 9.0
  IsTaxIncluded 6.0|US
  IsToBePrinted
  ItemGroupLineAdd
   DataExt 13.0
    DataExtName
    DataExtValue
    OwnerID
   Desc |US,CA,UK,AU
   InventorySiteLocationRef 12.0|AU
    FullName
    ListID
   InventorySiteRef 10.0|AU
    FullName
    ListID
   ItemGroupRef
    FullName
    ListID
   Quantity
   UnitOfMeasure 7.0
  ItemLineAdd
   Amount
   BillableStatus 2.0
   ClassRef
    FullName
    ListID
   Cost
   CustomerRef
    FullName
    ListID
   DataExt 13.0
    DataExtName
    DataExtValue
    OwnerID
   Desc
   InventorySiteLocationRef 12.0|AU
    FullName
    ListID
   InventorySiteRef 10.0|AU
    FullName
    ListID
   ItemRef
    FullName
    ListID
   LinkToTxn 4.0|US,CA,UK,AU
    TxnID
    TxnLineID
   LotNumber 11.0|AU
   OverrideItemAccountRef 2.0
    FullName
    ListID
   Quantity
   SalesRepRef 13.0
    FullName
    ListID
   SalesTaxCodeRef 6.0|US
    FullName
    ListID
   SerialNumber 11.0|AU
   TaxAmount 6.1|US,CA,UK
   UnitOfMeasure 7.0
  Memo
  PayeeEntityRef
   FullName
   ListID
  RefNumber
  SalesTaxCodeRef 6.0|US
   FullName
   ListID
  TxnDate
 IncludeRetElement 4.0
CheckModRq 6.0
 CheckMod
  AccountRef
   FullName
   ListID
  Address
   Addr1
   Addr2
   Addr3
   Addr4
   Addr5
   City
   Country
   Note
   PostalCode
   State
  ApplyCheckToTxnMod 7.0
   Amount
   TxnID
  ClearExpenseLines
  ClearItemLines
  EditSequence
  ExchangeRate 8.0
  ExpenseLineMod
   AccountRef
    FullName
    ListID
   Amount
   BillableStatus
   ClassRef
    FullName
    ListID
   CustomerRef
    FullName
    ListID
   Memo
   SalesRepRef 13.0
    FullName
    ListID
   SalesTaxCodeRef 6.0|US
    FullName
    ListID
   TaxAmount 6.1|US,CA,UK
   TxnLineID
  IsTaxIncluded 6.0|US
  IsToBePrinted
  ItemGroupLineMod
   ItemGroupRef
    FullName
    ListID
   ItemLineMod
    Amount
    BillableStatus
    ClassRef
     FullName
     ListID
    Cost
    CustomerRef
     FullName
     ListID
    Desc
    InventorySiteLocationRef 12.0|AU
     FullName
     ListID
    InventorySiteRef 10.0|AU
     FullName
     ListID
    ItemRef
     FullName
     ListID
    LotNumber 11.0|AU
    OverrideItemAccountRef
     FullName
     ListID
    OverrideUOMSetRef 7.0
     FullName
     ListID
    Quantity
    SalesRepRef 13.0
     FullName
     ListID
    SalesTaxCodeRef 6.0|US
     FullName
     ListID
    SerialNumber 11.0|AU
    TaxAmount 6.1|US,CA,UK
    TxnLineID
    UnitOfMeasure 7.0
   OverrideUOMSetRef 7.0
    FullName
    ListID
   Quantity
   TxnLineID
   UnitOfMeasure 7.0
  ItemLineMod
   Amount
   BillableStatus
   ClassRef
    FullName
    ListID
   Cost
   CustomerRef
    FullName
    ListID
   Desc
   InventorySiteLocationRef 12.0|AU
    FullName
    ListID
   InventorySiteRef 10.0|AU
    FullName
    ListID
   ItemRef
    FullName
    ListID
   LotNumber 11.0|AU
   OverrideItemAccountRef
    FullName
    ListID
   OverrideUOMSetRef 7.0
    FullName
    ListID
   Quantity
   SalesRepRef 13.0
    FullName
    ListID
   SalesTaxCodeRef 6.0|US
    FullName
    ListID
   SerialNumber 11.0|AU
   TaxAmount 6.1|US,CA,UK
   TxnLineID
   UnitOfMeasure 7.0
  Memo
  PayeeEntityRef
   FullName
   ListID
  RefNumber
  SalesTaxCodeRef 6.0|US
   FullName
   ListID
  TxnDate
  TxnID
 IncludeRetElement
CheckQueryRq
 AccountFilter
  FullName
  FullNameWithChildren
  ListID 2.0
  ListIDWithChildren 2.0
 CurrencyFilter 8.0
  FullName
  ListID
 EntityFilter
  FullName
  FullNameWithChildren
  ListID 2.0
  ListIDWithChildren 2.0
 IncludeLineItems
 IncludeLinkedTxns 7.0
 IncludeRetElement 4.0
 MaxReturned
 ModifiedDateRangeFilter
  FromModifiedDate
  ToModifiedDate
 OwnerID 2.0
 RefNumber
 RefNumberCaseSensitive 4.0
 RefNumberFilter
  MatchCriterion
  RefNumber
 RefNumberRangeFilter
  FromRefNumber
  ToRefNumber
 TxnDateRangeFilter
  DateMacro
  FromTxnDate
  ToTxnDate
 TxnID
ClassAddRq
 ClassAdd
  IsActive
  Name
  ParentRef
   FullName
   ListID
 IncludeRetElement 4.0
ClassModRq 8.0
 ClassMod
  EditSequence
  IsActive
  ListID
  Name
  ParentRef
   FullName
   ListID
 IncludeRetElement
ClassQueryRq
 ActiveStatus
 FromModifiedDate
 FullName
 IncludeRetElement 4.0
 ListID
 MaxReturned
 NameFilter
  MatchCriterion
  Name
 NameRangeFilter
  FromName
  ToName
 ToModifiedDate
ClearedStatusModRq 2.0
 ClearedStatusMod
  ClearedStatus
  TxnID
  TxnLineID
CompanyActivityQueryRq 2.0
 IncludeRetElement 4.0
CompanyQueryRq
 IncludeRetElement 4.0
 OwnerID 2.0
CreditCardChargeAddRq
 CreditCardChargeAdd
  AccountRef
   FullName
   ListID
  ExchangeRate 8.0
  ExpenseLineAdd
   AccountRef
    FullName
    ListID
   Amount
   BillableStatus 2.0
   ClassRef
    FullName
    ListID
   CustomerRef
    FullName
    ListID
   DataExt 13.0
    DataExtName
    DataExtValue
    OwnerID
   Memo
   SalesRepRef 13.0
    FullName
    ListID
   SalesTaxCodeRef 6.0|US
    FullName
    ListID
   TaxAmount 6.1|US,CA,UK
  ExternalGUID 9.0
  IsTaxIncluded 6.0|US
  ItemGroupLineAdd
   DataExt 13.0
    DataExtName
    DataExtValue
    OwnerID
   Desc |US,CA,UK,AU
   InventorySiteLocationRef 12.0|AU
    FullName
    ListID
   InventorySiteRef 10.0|AU
    FullName
    ListID
   ItemGroupRef
    FullName
    ListID
   Quantity
   UnitOfMeasure 7.0
  ItemLineAdd
   Amount
   BillableStatus 2.0
   ClassRef
    FullName
    ListID
   Cost
   CustomerRef
    FullName
    ListID
   DataExt 13.0
    DataExtName
    DataExtValue
    OwnerID
   Desc
   InventorySiteLocationRef 12.0|AU
    FullName
    ListID
   InventorySiteRef 10.0|AU
    FullName
    ListID
   ItemRef
    FullName
    ListID
   LinkToTxn 4.0|US,CA,UK,AU
    TxnID
    TxnLineID
   LotNumber 11.0|AU
   OverrideItemAccountRef 2.0
    FullName
    ListID
   Quantity
   SalesRepRef 13.0
    FullName
    ListID
   SalesTaxCodeRef 6.0|US
    FullName
    ListID
   SerialNumber 11.0|AU
   TaxAmount 6.1|US,CA,UK
   UnitOfMeasure 7.0
  Memo
  PayeeEntityRef
   FullName
   ListID
  RefNumber
  SalesTaxCodeRef 6.0|US
   FullName
   ListID
  TxnDate
 IncludeRetElement 4.0
CreditCardChargeModRq 6.0
 CreditCardChargeMod
  AccountRef
   FullName
   ListID
  ClearExpenseLines
  ClearItemLines
  EditSequence
  ExchangeRate 8.0
  ExpenseLineMod
   AccountRef
    FullName
    ListID
   Amount
   BillableStatus
   ClassRef
    FullName
    ListID
   CustomerRef
    FullName
    ListID
   Memo
   SalesRepRef 13.0
    FullName
    ListID
   SalesTaxCodeRef 6.0|US
    FullName
    ListID
   TaxAmount 6.1|US,CA,UK
   TxnLineID
  IsTaxIncluded 6.0|US
  ItemGroupLineMod
   ItemGroupRef
    FullName
    ListID
   ItemLineMod
    Amount
    BillableStatus
    ClassRef
     FullName
     ListID
    Cost
    CustomerRef
     FullName
     ListID
    Desc
    InventorySiteLocationRef 12.0|AU
     FullName
     ListID
    InventorySiteRef 10.0|AU
     FullName
     ListID
    ItemRef
     FullName
     ListID
    LotNumber 11.0|AU
    OverrideItemAccountRef
     FullName
     ListID
    OverrideUOMSetRef 7.0
     FullName
     ListID
    Quantity
    SalesRepRef 13.0
     FullName
     ListID
    SalesTaxCodeRef 6.0|US
     FullName
     ListID
    SerialNumber 11.0|AU
    TaxAmount 6.1|US,CA,UK
    TxnLineID
    UnitOfMeasure 7.0
   OverrideUOMSetRef 7.0
    FullName
    ListID
   Quantity
   TxnLineID
   UnitOfMeasure 7.0
  ItemLineMod
   Amount
   BillableStatus
   ClassRef
    FullName
    ListID
   Cost
   CustomerRef
    FullName
    ListID
   Desc
   InventorySiteLocationRef 12.0|AU
    FullName
    ListID
   InventorySiteRef 10.0|AU
    FullName
    ListID
   ItemRef
    FullName
    ListID
   LotNumber 11.0|AU
   OverrideItemAccountRef
    FullName
    ListID
   OverrideUOMSetRef 7.0
    FullName
    ListID
   Quantity
   SalesRepRef 13.0
    FullName
    ListID
   SalesTaxCodeRef 6.0|US
    FullName
    ListID
   SerialNumber 11.0|AU
   TaxAmount 6.1|US,CA,UK
   TxnLineID
   UnitOfMeasure 7.0
  Memo
  PayeeEntityRef
   FullName
   ListID
  RefNumber
  SalesTaxCodeRef 6.0|US
   FullName
   ListID
  TxnDate
  TxnID
 IncludeRetElement
CreditCardChargeQueryRq
 AccountFilter
  FullName
  FullNameWithChildren
  ListID 2.0
  ListIDWithChildren 2.0
 CurrencyFilter 8.0
  FullName
  ListID
 EntityFilter
  FullName
  FullNameWithChildren
  ListID 2.0
  ListIDWithChildren 2.0
 IncludeLineItems
 IncludeRetElement 4.0
 MaxReturned
 ModifiedDateRangeFilter
  FromModifiedDate
  ToModifiedDate
 OwnerID 2.0
 RefNumber
 RefNumberCaseSensitive 4.0
 RefNumberFilter
  MatchCriterion
  RefNumber
 RefNumberRangeFilter
  FromRefNumber
  ToRefNumber
 TxnDateRangeFilter
  DateMacro
  FromTxnDate
  ToTxnDate
 TxnID
CreditCardCreditAddRq
 CreditCardCreditAdd
  AccountRef
   FullName
   ListID
  ExchangeRate 8.0
  ExpenseLineAdd
   AccountRef
    FullName
    ListID
   Amount
   BillableStatus 2.0
   ClassRef
    FullName
    ListID
   CustomerRef
    FullName
    ListID
   DataExt 13.0
    DataExtName
    DataExtValue
    OwnerID
   Memo
   SalesRepRef 13.0
    FullName
    ListID
   SalesTaxCodeRef 6.0|US
    FullName
    ListID
   TaxAmount 6.1|US,CA,UK
  ExternalGUID 9.0
  IsTaxIncluded 8.0|US
  ItemGroupLineAdd
   DataExt 13.0
    DataExtName
    DataExtValue
    OwnerID
   Desc |US,CA,UK,AU
   InventorySiteLocationRef 12.0|AU
    FullName
    ListID
   InventorySiteRef 10.0|AU
    FullName
    ListID
   ItemGroupRef
    FullName
    ListID
   Quantity
   UnitOfMeasure 7.0
  ItemLineAdd
   Amount
   BillableStatus 2.0
   ClassRef
    FullName
    ListID
   Cost
   CustomerRef
    FullName
    ListID
   DataExt 13.0
    DataExtName
    DataExtValue
    OwnerID
   Desc
   InventorySiteLocationRef 12.0|AU
    FullName
    ListID
   InventorySiteRef 10.0|AU
    FullName
    ListID
   ItemRef
    FullName
    ListID
   LinkToTxn 4.0|US,CA,UK,AU
    TxnID
    TxnLineID
   LotNumber 11.0|AU
   OverrideItemAccountRef 2.0
    FullName
    ListID
   Quantity
   SalesRepRef 13.0
    FullName
    ListID
   SalesTaxCodeRef 6.0|US
    FullName
    ListID
   SerialNumber 11.0|AU
   TaxAmount 6.1|US,CA,UK
   UnitOfMeasure 7.0
  Memo
  PayeeEntityRef
   FullName
   ListID
  RefNumber
  SalesTaxCodeRef 8.0|US
   FullName
   ListID
  TxnDate
 IncludeRetElement 4.0
CreditCardCreditModRq 6.0
 CreditCardCreditMod
  AccountRef
   FullName
   ListID
  ClearExpenseLines
  ClearItemLines
  EditSequence
  ExchangeRate 8.0
  ExpenseLineMod
   AccountRef
    FullName
    ListID
   Amount
   BillableStatus
   ClassRef
    FullName
    ListID
   CustomerRef
    FullName
    ListID
   Memo
   SalesRepRef 13.0
    FullName
    ListID
   SalesTaxCodeRef 6.0|US
    FullName
    ListID
   TaxAmount 6.1|US,CA,UK
   TxnLineID
  IsTaxIncluded 8.0|US
  ItemGroupLineMod
   ItemGroupRef
    FullName
    ListID
   ItemLineMod
    Amount
    BillableStatus
    ClassRef
     FullName
     ListID
    Cost
    CustomerRef
     FullName
     ListID
    Desc
    InventorySiteLocationRef 12.0|AU
     FullName
     ListID
    InventorySiteRef 10.0|AU
     FullName
     ListID
    ItemRef
     FullName
     ListID
    LotNumber 11.0|AU
    OverrideItemAccountRef
     FullName
     ListID
    OverrideUOMSetRef 7.0
     FullName
     ListID
    Quantity
    SalesRepRef 13.0
     FullName
     ListID
    SalesTaxCodeRef 6.0|US
     FullName
     ListID
    SerialNumber 11.0|AU
    TaxAmount 6.1|US,CA,UK
    TxnLineID
    UnitOfMeasure 7.0
   OverrideUOMSetRef 7.0
    FullName
    ListID
   Quantity
   TxnLineID
   UnitOfMeasure 7.0
  ItemLineMod
   Amount
   BillableStatus
   ClassRef
    FullName
    ListID
   Cost
   CustomerRef
    FullName
    ListID
   Desc
   InventorySiteLocationRef 12.0|AU
    FullName
    ListID
   InventorySiteRef 10.0|AU
    FullName
    ListID
   ItemRef
    FullName
    ListID
   LotNumber 11.0|AU
   OverrideItemAccountRef
    FullName
    ListID
   OverrideUOMSetRef 7.0
    FullName
    ListID
   Quantity
   SalesRepRef 13.0
    FullName
    ListID
   SalesTaxCodeRef 6.0|US
    FullName
    ListID
   SerialNumber 11.0|AU
   TaxAmount 6.1|US,CA,UK
   TxnLineID
   UnitOfMeasure 7.0
  Memo
  PayeeEntityRef
   FullName
   ListID
  RefNumber
  SalesTaxCodeRef 8.0|US
   FullName
   ListID
  TxnDate
  TxnID
 IncludeRetElement
CreditCardCreditQueryRq
 AccountFilter
  FullName
  FullNameWithChildren
  ListID 2.0
  ListIDWithChildren 2.0
 CurrencyFilter 8.0
  FullName
  ListID
 EntityFilter
  FullName
  FullNameWithChildren
  ListID 2.0
  ListIDWithChildren 2.0
 IncludeLineItems
 IncludeRetElement 4.0
 MaxReturned
 ModifiedDateRangeFilter
  FromModifiedDate
  ToModifiedDate
 OwnerID 2.0
 RefNumber
 RefNumberCaseSensitive 4.0
 RefNumberFilter
  MatchCriterion
  RefNumber
 RefNumberRangeFilter
  FromRefNumber
  ToRefNumber
 TxnDateRangeFilter
  DateMacro
  FromTxnDate
  ToTxnDate
 TxnID
CreditMemoAddRq
 CreditMemoAdd
  ARAccountRef
   FullName
   ListID
  BillAddress
   Addr1
   Addr2
   Addr3
   Addr4 2.0
   Addr5 6.0
   City
   Country
   Note 6.0
   PostalCode
   State
  ClassRef
   FullName
   ListID
  CreditMemoLineAdd
   Amount
   ClassRef
    FullName
    ListID
   CreditCardTxnInfo 7.0
    CreditCardTxnInputInfo
     CommercialCardCode
     CreditCardAddress
     CreditCardNumber
     CreditCardPostalCode
     CreditCardTxnType
     ExpirationMonth
     ExpirationYear
     NameOnCard
     TransactionMode
    CreditCardTxnResultInfo
     AVSStreet
     AVSZip
     AuthorizationCode
     CardSecurityCodeMatch
     ClientTransID
     CreditCardTransID
     MerchantAccountNumber
     PaymentGroupingCode
     PaymentStatus
     ReconBatchID
     ResultCode
     ResultMessage
     TxnAuthorizationStamp
     TxnAuthorizationTime
   DataExt 5.0
    DataExtName
    DataExtValue
    OwnerID
   Desc
   InventorySiteLocationRef 12.0|AU
    FullName
    ListID
   InventorySiteRef 10.0|AU
    FullName
    ListID
   IsTaxable 4.0|US,CA,UK,AU
   ItemRef
    FullName
    ListID
   LotNumber 11.0|AU
   Other1 6.0
   Other2 6.0
   OverrideItemAccountRef 2.0
    FullName
    ListID
   PriceLevelRef 4.0
    FullName
    ListID
   Quantity
   Rate
   RatePercent
   SalesTaxCodeRef
    FullName
    ListID
   SerialNumber 11.0|AU
   ServiceDate
   TaxAmount 6.1|US,CA,UK
   UnitOfMeasure 7.0
  CreditMemoLineGroupAdd
   DataExt 5.0
    DataExtName
    DataExtValue
    OwnerID
   Desc |US,CA,UK,AU
   InventorySiteLocationRef 12.0|AU
    FullName
    ListID
   InventorySiteRef 10.0|AU
    FullName
    ListID
   ItemGroupRef
    FullName
    ListID
   Quantity
   ServiceDate |US,CA,UK,AU
   UnitOfMeasure 7.0
  CustomerMsgRef
   FullName
   ListID
  CustomerRef
   FullName
   ListID
  CustomerSalesTaxCodeRef
   FullName
   ListID
  DiscountLineAdd 4.0|US,CA,UK,AU
   AccountRef
    FullName
    ListID
   Amount
   IsTaxable
   RatePercent
  DueDate
  ExchangeRate 8.0
  ExternalGUID 9.0
  FOB
  IsPending
  IsTaxIncluded 6.0|US
  IsToBeEmailed 6.0
  IsToBePrinted
  ItemSalesTaxRef
   FullName
   ListID
  Memo
  Other 6.0
  PONumber
  RefNumber
  SalesRepRef
   FullName
   ListID
  SalesTaxLineAdd 4.0|US,CA,UK,AU
   AccountRef
    FullName
    ListID
   Amount
   RatePercent
  ShipAddress
   Addr1
   Addr2
   Addr3
   Addr4 2.0
   Addr5 6.0
   City
   Country
   Note 6.0
   PostalCode
   State
  ShipDate
  ShipMethodRef
   FullName
   ListID
  ShippingLineAdd 4.0|US,CA,UK,AU
   AccountRef
    FullName
    ListID
   Amount
  TemplateRef 3.0
   FullName
   ListID
  TermsRef
   FullName
   ListID
  TxnDate
 IncludeRetElement 4.0
CreditMemoModRq 3.0
 CreditMemoMod
  ARAccountRef
   FullName
   ListID
  BillAddress
   Addr1
   Addr2
   Addr3
   Addr4
   Addr5 6.0
   City
   Country
   Note 6.0
   PostalCode
   State
  ClassRef
   FullName
   ListID
  CreditMemoLineGroupMod
   CreditMemoLineMod
    Amount
    ClassRef
     FullName
     ListID
    Desc
    InventorySiteLocationRef 12.0|AU
     FullName
     ListID
    InventorySiteRef 10.0|AU
     FullName
     ListID
    ItemRef
     FullName
     ListID
    LotNumber 11.0|AU
    Other1 6.0
    Other2 6.0
    OverrideItemAccountRef
     FullName
     ListID
    OverrideUOMSetRef 7.0
     FullName
     ListID
    PriceLevelRef 4.0
     FullName
     ListID
    Quantity
    Rate
    RatePercent
    SalesTaxCodeRef
     FullName
     ListID
    SerialNumber 11.0|AU
    ServiceDate
    TaxAmount 6.1|US,CA,UK
    TxnLineID
    UnitOfMeasure 7.0
   ItemGroupRef
    FullName
    ListID
   OverrideUOMSetRef 7.0
    FullName
    ListID
   Quantity
   TxnLineID
   UnitOfMeasure 7.0
  CreditMemoLineMod
   Amount
   ClassRef
    FullName
    ListID
   Desc
   InventorySiteLocationRef 12.0|AU
    FullName
    ListID
   InventorySiteRef 10.0|AU
    FullName
    ListID
   ItemRef
    FullName
    ListID
   LotNumber 11.0|AU
   Other1 6.0
   Other2 6.0
   OverrideItemAccountRef
    FullName
    ListID
   OverrideUOMSetRef 7.0
    FullName
    ListID
   PriceLevelRef 4.0
    FullName
    ListID
   Quantity
   Rate
   RatePercent
   SalesTaxCodeRef
    FullName
    ListID
   SerialNumber 11.0|AU
   ServiceDate
   TaxAmount 6.1|US,CA,UK
   TxnLineID
   UnitOfMeasure 7.0
  CustomerMsgRef
   FullName
   ListID
  CustomerRef
   FullName
   ListID
  CustomerSalesTaxCodeRef
   FullName
   ListID
  DueDate
  EditSequence
  ExchangeRate 8.0
  FOB
  IsPending
  IsTaxIncluded 6.0|US
  IsToBeEmailed 6.0
  IsToBePrinted
  ItemSalesTaxRef
   FullName
   ListID
  Memo
  Other 6.0
  PONumber
  RefNumber
  SalesRepRef
   FullName
   ListID
  ShipAddress
   Addr1
   Addr2
   Addr3
   Addr4
   Addr5 6.0
   City
   Country
   Note 6.0
   PostalCode
   State
  ShipDate
  ShipMethodRef
   FullName
   ListID
  TemplateRef
   FullName
   ListID
  TermsRef
   FullName
   ListID
  TxnDate
  TxnID
 IncludeRetElement 4.0
CreditMemoQueryRq
 AccountFilter
  FullName
  FullNameWithChildren
  ListID 2.0
  ListIDWithChildren 2.0
 CurrencyFilter 8.0
  FullName
  ListID
 EntityFilter
  FullName
  FullNameWithChildren
  ListID 2.0
  ListIDWithChildren 2.0
 IncludeLineItems
 IncludeLinkedTxns 1.1
 IncludeRetElement 4.0
 MaxReturned
 ModifiedDateRangeFilter
  FromModifiedDate
  ToModifiedDate
 OwnerID 2.0
 RefNumber
 RefNumberCaseSensitive 4.0
 RefNumberFilter
  MatchCriterion
  RefNumber
 RefNumberRangeFilter
  FromRefNumber
  ToRefNumber
 TxnDateRangeFilter
  DateMacro
  FromTxnDate
  ToTxnDate
 TxnID
CurrencyAddRq 8.0
 CurrencyAdd
  CurrencyCode
  CurrencyFormat
   DecimalPlaces
   DecimalSeparator
   ThousandSeparator
   ThousandSeparatorGrouping
  IsActive
  Name
 IncludeRetElement
CurrencyModRq 8.0
 CurrencyMod
  CurrencyCode
  CurrencyFormat
   DecimalPlaces
   DecimalSeparator
   ThousandSeparator
   ThousandSeparatorGrouping
  EditSequence
  IsActive
  ListID
  Name
 IncludeRetElement
CurrencyQueryRq 8.0
 ActiveStatus
 FromModifiedDate
 FullName
 IncludeRetElement
 ListID
 MaxReturned
 NameFilter
  MatchCriterion
  Name
 NameRangeFilter
  FromName
  ToName
 ToModifiedDate
CustomDetailReportQueryRq 2.0
 CustomDetailReportType
 DisplayReport 3.0
 IncludeAccounts
 IncludeColumn
 ReportAccountFilter
  AccountTypeFilter
  FullName
  FullNameWithChildren
  ListID
  ListIDWithChildren
 ReportBasis 2.1
 ReportClassFilter 2.1
  FullName
  FullNameWithChildren
  ListID
  ListIDWithChildren
 ReportDateMacro
 ReportDetailLevelFilter 3.0
 ReportEntityFilter
  EntityTypeFilter
  FullName
  FullNameWithChildren
  ListID
  ListIDWithChildren
 ReportItemFilter
  FullName
  FullNameWithChildren
  ItemTypeFilter
  ListID
  ListIDWithChildren
 ReportModifiedDateRangeFilter 3.0
  FromReportModifiedDate
  ToReportModifiedDate
 ReportModifiedDateRangeMacro 3.0
 ReportOpenBalanceAsOf
 ReportPeriod
  FromReportDate
  ToReportDate
 ReportPostingStatusFilter 3.0
 ReportTxnTypeFilter
  TxnTypeFilter
 SummarizeRowsBy
CustomSummaryReportQueryRq 2.0
 CustomSummaryReportType
 DisplayReport 3.0
 IncludeSubcolumns
 ReportAccountFilter
  AccountTypeFilter
  FullName
  FullNameWithChildren
  ListID
  ListIDWithChildren
 ReportBasis 2.1
 ReportCalendar
 ReportClassFilter 2.1
  FullName
  FullNameWithChildren
  ListID
  ListIDWithChildren
 ReportDateMacro
 ReportDetailLevelFilter 3.0
 ReportEntityFilter
  EntityTypeFilter
  FullName
  FullNameWithChildren
  ListID
  ListIDWithChildren
 ReportItemFilter
  FullName
  FullNameWithChildren
  ItemTypeFilter
  ListID
  ListIDWithChildren
 ReportModifiedDateRangeFilter 3.0
  FromReportModifiedDate
  ToReportModifiedDate
 ReportModifiedDateRangeMacro 3.0
 ReportPeriod
  FromReportDate
  ToReportDate
 ReportPostingStatusFilter 3.0
 ReportTxnTypeFilter
  TxnTypeFilter
 ReturnColumns
 ReturnRows
 SummarizeColumnsBy
 SummarizeRowsBy
CustomerAddRq
 CustomerAdd
  AccountNumber
  AdditionalContactRef 12.0
   ContactName
   ContactValue
  AdditionalNotes 12.0
   Note
  AltContact
  AltPhone
  BillAddress
   Addr1
   Addr2
   Addr3
   Addr4 2.0
   Addr5 6.0
   City
   Country
   Note 6.0
   PostalCode
   State
  Cc 12.0
  ClassRef 12.0
   FullName
   ListID
  CompanyName
  Contact
  Contacts 12.0
   AdditionalContactRef
    ContactName
    ContactValue
   FirstName
   JobTitle
   LastName
   MiddleName
   Salutation
  CreditCardInfo 3.0
   CreditCardAddress
   CreditCardNumber
   CreditCardPostalCode
   ExpirationMonth
   ExpirationYear
   NameOnCard
  CreditLimit
  CurrencyRef 8.0
   FullName
   ListID
  CustomerTypeRef
   FullName
   ListID
  DeliveryMethod |US,CA,UK,AU
  Email
  ExternalGUID 8.0
  Fax
  FirstName
  IsActive
  IsStatementWithParent |US,CA,UK,AU
  ItemSalesTaxRef |CA,UK
   FullName
   ListID
  JobDesc
  JobEndDate
  JobProjectedEndDate
  JobStartDate
  JobStatus
  JobTitle 12.0
  JobTypeRef
   FullName
   ListID
  LastName
  MiddleName
  Mobile |US,CA,UK,AU
  Name
  Notes 3.0
  OpenBalance
  OpenBalanceDate
  Pager |US,CA,UK,AU
  ParentRef
   FullName
   ListID
  Phone
  PreferredDeliveryMethod 12.0
  PreferredPaymentMethodRef 3.0
   FullName
   ListID
  PriceLevelRef 4.0
   FullName
   ListID
  PrintAs |US,CA,UK,AU
  ResaleNumber
  SalesRepRef
   FullName
   ListID
  SalesTaxCodeRef
   FullName
   ListID
  SalesTaxCountry 6.0|US
  Salutation
  ShipAddress
   Addr1
   Addr2
   Addr3
   Addr4 2.0
   Addr5 6.0
   City
   Country
   Note 6.0
   PostalCode
   State
  ShipToAddress 12.0
   Addr1
   Addr2
   Addr3
   Addr4
   Addr5
   City
   Country
   DefaultShipTo
   Name
   Note
   PostalCode
   State
  Suffix |US,CA,UK,AU
  TaxRegistrationNumber 8.0|US
  TermsRef
   FullName
   ListID
 IncludeRetElement 4.0
CustomerModRq
 CustomerMod
  AccountNumber
  AdditionalContactRef 12.0
   ContactName
   ContactValue
  AdditionalNotesMod 12.0
   Note
   NoteID
  AltContact
  AltPhone
  BillAddress
   Addr1
   Addr2
   Addr3
   Addr4 2.0
   Addr5 6.0
   City
   Country
   Note 6.0
   PostalCode
   State
  Cc 12.0
  ClassRef 12.0
   FullName
   ListID
  CompanyName
  Contact
  ContactsMod 12.0
   AdditionalContactRef
    ContactName
    ContactValue
   EditSequence
   FirstName
   JobTitle
   LastName
   ListID
   MiddleName
   Salutation
  CreditCardInfo 3.0
   CreditCardAddress
   CreditCardNumber
   CreditCardPostalCode
   ExpirationMonth
   ExpirationYear
   NameOnCard
  CreditLimit 3.0
  CurrencyRef 8.0
   FullName
   ListID
  CustomerTypeRef 3.0
   FullName
   ListID
  DeliveryMethod 3.0|US,CA,UK,AU
  EditSequence
  Email
  Fax
  FirstName
  IsActive 3.0
  IsStatementWithParent 3.0|US,CA,UK,AU
  ItemSalesTaxRef 3.0|CA,UK
   FullName
   ListID
  JobDesc 3.0
  JobEndDate 3.0
  JobProjectedEndDate 3.0
  JobStartDate 3.0
  JobStatus 3.0
  JobTitle 12.0
  JobTypeRef 3.0
   FullName
   ListID
  LastName
  ListID
  MiddleName
  Mobile |US,CA,UK,AU
  Name
  Notes 3.0
  Pager |US,CA,UK,AU
  ParentRef 3.0
   FullName
   ListID
  Phone
  PreferredDeliveryMethod 12.0
  PreferredPaymentMethodRef 3.0
   FullName
   ListID
  PriceLevelRef 4.0
   FullName
   ListID
  PrintAs |US,CA,UK,AU
  ResaleNumber 3.0
  SalesRepRef 3.0
   FullName
   ListID
  SalesTaxCodeRef 3.0
   FullName
   ListID
  SalesTaxCountry 6.0|US
  Salutation
  ShipAddress
   Addr1
   Addr2
   Addr3
   Addr4 2.0
   Addr5 6.0
   City
   Country
   Note 6.0
   PostalCode
   State
  ShipToAddress 12.0
   Addr1
   Addr2
   Addr3
   Addr4
   Addr5
   City
   Country
   DefaultShipTo
   Name
   Note
   PostalCode
   State
  Suffix |US,CA,UK,AU
  TaxRegistrationNumber 8.0|US
  TermsRef 3.0
   FullName
   ListID
 IncludeRetElement 4.0
CustomerMsgAddRq
 CustomerMsgAdd
  IsActive
  Name
 IncludeRetElement 4.0
CustomerMsgQueryRq
 ActiveStatus
 FromModifiedDate
 FullName
 IncludeRetElement 4.0
 ListID
 MaxReturned
 NameFilter
  MatchCriterion
  Name
 NameRangeFilter
  FromName
  ToName
 ToModifiedDate
CustomerQueryRq
 ActiveStatus
 ClassFilter 12.0|AU
  FullName
  FullNameWithChildren
  ListID
  ListIDWithChildren
 CurrencyFilter 8.0
  FullName
  ListID
 FromModifiedDate
 FullName
 IncludeRetElement 4.0
 ListID
 MaxReturned
 NameFilter
  MatchCriterion
  Name
 NameRangeFilter
  FromName
  ToName
 OwnerID 2.0
 ToModifiedDate
 TotalBalanceFilter
  Amount
  Operator
CustomerTypeAddRq
 CustomerTypeAdd
  IsActive
  Name
  ParentRef
   FullName
   ListID
 IncludeRetElement 4.0
CustomerTypeQueryRq
 ActiveStatus
 FromModifiedDate
 FullName
 IncludeRetElement 4.0
 ListID
 MaxReturned
 NameFilter
  MatchCriterion
  Name
 NameRangeFilter
  FromName
  ToName
 ToModifiedDate
DataEventRecoveryInfoDelRq 3.0
 SubscriberID
DataEventRecoveryInfoQueryRq 3.0
 SubscriberID
DataExtAddRq 2.0
 DataExtAdd
  DataExtName
  DataExtValue
  ListDataExtType
  ListObjRef
   FullName
   ListID
  OtherDataExtType
  OwnerID
  TxnDataExtType
  TxnID
  TxnLineID 3.0
DataExtDefAddRq 2.0
 DataExtDefAdd
  AssignToObject
  DataExtFormatString 12.0
  DataExtListRequire 12.0
  DataExtName
  DataExtTxnRequire 12.0
  DataExtType
  OwnerID
 IncludeRetElement 4.0
DataExtDefDelRq 2.0
 DataExtName
 OwnerID
DataExtDefModRq 2.0
 DataExtDefMod
  AssignToObject
  DataExtFormatString 12.0
  DataExtListRequire 12.0
  DataExtName
  DataExtNewName
  DataExtTxnRequire 12.0
  OwnerID
  RemoveFromObject
 IncludeRetElement 4.0
DataExtDefQueryRq 2.0
 AssignToObject
 IncludeRetElement 4.0
 OwnerID
DataExtDelRq 2.0
 DataExtDel
  DataExtName
  ListDataExtType
  ListObjRef
   FullName
   ListID
  OtherDataExtType
  OwnerID
  TxnDataExtType
  TxnID
  TxnLineID 3.0
DataExtModRq 2.0
 DataExtMod
  DataExtName
  DataExtValue
  ListDataExtType
  ListObjRef
   FullName
   ListID
  OtherDataExtType
  OwnerID
  TxnDataExtType
  TxnID
  TxnLineID 3.0
DateDrivenTermsAddRq
 DateDrivenTermsAdd
  DayOfMonthDue
  DiscountDayOfMonth
  DiscountPct
  DueNextMonthDays
  IsActive
  Name
 IncludeRetElement 4.0
DateDrivenTermsQueryRq
 ActiveStatus
 FromModifiedDate
 FullName
 IncludeRetElement 4.0
 ListID
 MaxReturned
 NameFilter
  MatchCriterion
  Name
 NameRangeFilter
  FromName
  ToName
 ToModifiedDate
DepositAddRq 2.0
 DepositAdd
  CashBackInfoAdd
   AccountRef
    FullName
    ListID
   Amount
   Memo
  CurrencyRef 8.0
   FullName
   ListID
  DepositLineAdd
   AccountRef
    FullName
    ListID
   Amount
   CheckNumber
   ClassRef
    FullName
    ListID
   EntityRef
    FullName
    ListID
   Memo
   OverrideCheckNumber
   OverrideClassRef
    FullName
    ListID
   OverrideMemo
   PaymentMethodRef
    FullName
    ListID
   PaymentTxnID
   PaymentTxnLineID
  DepositToAccountRef
   FullName
   ListID
  ExchangeRate 8.0
  ExternalGUID 9.0
  Memo
  TxnDate
 IncludeRetElement 4.0
DepositModRq 7.0
 DepositMod
  CashBackInfoMod
   AccountRef
    FullName
    ListID
   Amount
   Memo
  CurrencyRef 8.0
   FullName
   ListID
  DepositLineMod
   AccountRef
    FullName
    ListID
   Amount
   CheckNumber
   ClassRef
    FullName
    ListID
   EntityRef
    FullName
    ListID
   Memo
   OverrideCheckNumber
   OverrideClassRef
    FullName
    ListID
   OverrideMemo
   PaymentMethodRef
    FullName
    ListID
   PaymentTxnID
   PaymentTxnLineID
   TxnLineID
  DepositToAccountRef
   FullName
   ListID
  EditSequence
  ExchangeRate 8.0
  Memo
  TxnDate
  TxnID
 IncludeRetElement
DepositQueryRq 2.0
 AccountFilter
  FullName
  FullNameWithChildren
  ListID
  ListIDWithChildren
 CurrencyFilter 8.0
  FullName
  ListID
 EntityFilter
  FullName
  FullNameWithChildren
  ListID
  ListIDWithChildren
 IncludeLineItems
 IncludeRetElement 4.0
 MaxReturned
 ModifiedDateRangeFilter
  FromModifiedDate
  ToModifiedDate
 OwnerID
 TxnDateRangeFilter
  DateMacro
  FromTxnDate
  ToTxnDate
 TxnID
EmployeeAddRq
 EmployeeAdd
  AccountNumber
  AdditionalContactRef 12.0
   ContactName
   ContactValue
  AdditionalNotes 12.0
   Note
  AdjustedServiceDate 13.0|CA,UK,AU
  AltPhone
  BillingRateRef 6.0
   FullName
   ListID
  BirthDate 2.0
  Department 13.0|CA,UK,AU
  Description 13.0|CA,UK,AU
  DisabilityDesc 13.0|CA,UK,AU
  Disabled 13.0|CA,UK,AU
  Email
  EmergencyContacts 13.0|CA,UK,AU
   PrimaryContact
    ContactName
    ContactValue
    Relation
   SecondaryContact
    ContactName
    ContactValue
    Relation
  EmployeeAddress
   Addr1
   Addr2
   Addr3 |US,CA,UK,AU
   Addr4 2.0|US,CA,UK,AU
   City
   Country |US,CA,UK,AU
   PostalCode
   State
  EmployeePayrollInfo 2.0
   ClassRef
    FullName
    ListID
   ClearEarnings
   Earnings
    PayrollItemWageRef
     FullName
     ListID
    Rate
    RatePercent
   PayPeriod
   SickHours
    AccrualPeriod
    AccrualStartDate 5.0
    HoursAccrued
    HoursAvailable
    HoursUsed 5.0
    IsResettingHoursEachNewYear
    MaximumHours
   UseTimeDataToCreatePaychecks 3.0
   VacationHours
    AccrualPeriod
    AccrualStartDate 5.0
    HoursAccrued
    HoursAvailable
    HoursUsed 5.0
    IsResettingHoursEachNewYear
    MaximumHours
  EmployeeType
  Ethnicity 13.0|CA,UK,AU
  Exempt 13.0|CA,UK,AU
  ExternalGUID 8.0
  Fax 2.1
  FirstName
  Gender
  HiredDate
  IsActive
  JobTitle 12.0
  KeyEmployee 13.0|CA,UK,AU
  LastName
  MiddleName
  MilitaryStatus 13.0|CA,UK,AU
  Mobile 2.1
  Name |US,CA,UK,AU
  Notes 3.0
  OnFile 13.0|CA,UK,AU
  OriginalHireDate 13.0|CA,UK,AU
  Pager 2.1
  PagerPIN 2.1
  PartOrFullTime 13.0
  Phone
  PrintAs
  ReleasedDate
  SSN
  Salutation
  Suffix |US,CA,UK,AU
  SupervisorRef 13.0|CA,UK,AU
   FullName
   ListID
  TargetBonus 13.0
  USCitizen 13.0|CA,UK,AU
  USVeteran 13.0|CA,UK,AU
  WorkAuthExpireDate 13.0|CA,UK,AU
 IncludeRetElement 4.0
EmployeeModRq
 EmployeeMod
  AccountNumber
  AdditionalContactRef 12.0
   ContactName
   ContactValue
  AdditionalNotesMod 12.0
   Note
   NoteID
  AdjustedServiceDate 13.0|CA,UK,AU
  AltPhone
  BillingRateRef 6.0
   FullName
   ListID
  BirthDate 2.0
  Department 13.0|CA,UK,AU
  Description 13.0|CA,UK,AU
  DisabilityDesc 13.0|CA,UK,AU
  Disabled 13.0|CA,UK,AU
  EditSequence
  Email
  EmergencyContacts 13.0|CA,UK,AU
   PrimaryContact
    ContactName
    ContactValue
    Relation
   SecondaryContact
    ContactName
    ContactValue
    Relation
  EmployeeAddress
   Addr1
   Addr2
   Addr3 |US,CA,UK,AU
   Addr4 2.0|US,CA,UK,AU
   City
   Country |US,CA,UK,AU
   PostalCode
   State
  EmployeePayrollInfoMod 2.0
   ClassRef
    FullName
    ListID
   ClearEarnings
   Earnings
    PayrollItemWageRef
     FullName
     ListID
    Rate
    RatePercent
   PayPeriod
   SickHours
    AccrualPeriod
    AccrualStartDate 5.0
    HoursAccrued
    HoursAvailable
    HoursUsed 5.0
    IsResettingHoursEachNewYear
    MaximumHours
   UseTimeDataToCreatePaychecks 3.0
   VacationHours
    AccrualPeriod
    AccrualStartDate 5.0
    HoursAccrued
    HoursAvailable
    HoursUsed 5.0
    IsResettingHoursEachNewYear
    MaximumHours
  EmployeeType 5.0
  Ethnicity 13.0|CA,UK,AU
  Exempt 13.0|CA,UK,AU
  Fax 2.1
  FirstName
  HiredDate 5.0
  IsActive 3.0
  JobTitle 12.0
  KeyEmployee 13.0|CA,UK,AU
  LastName
  ListID
  MiddleName
  MilitaryStatus 13.0|CA,UK,AU
  Mobile 2.1
  Name |US,CA,UK,AU
  Notes 3.0
  OnFile 13.0|CA,UK,AU
  OriginalHireDate 13.0|CA,UK,AU
  Pager 2.1
  PagerPIN 2.1
  PartOrFullTime 13.0|CA,UK,AU
  Phone
  PrintAs
  ReleasedDate 5.0
  Salutation
  Suffix |US,CA,UK,AU
  SupervisorRef 13.0|CA,UK,AU
   FullName
   ListID
  TargetBonus 13.0
  USCitizen 13.0|CA,UK,AU
  USVeteran 13.0|CA,UK,AU
  WorkAuthExpireDate 13.0|CA,UK,AU
 IncludeRetElement 4.0
EmployeeQueryRq
 ActiveStatus
 FromModifiedDate
 FullName
 IncludeRetElement 4.0
 ListID
 MaxReturned
 NameFilter
  MatchCriterion
  Name
 NameRangeFilter
  FromName
  ToName
 OwnerID 2.0
 ToModifiedDate
EntityQueryRq
 ActiveStatus
 FromModifiedDate
 FullName
 IncludeRetElement 4.0
 ListID
 MaxReturned
 NameFilter
  MatchCriterion
  Name
 NameRangeFilter
  FromName
  ToName
 ToModifiedDate
EstimateAddRq
 EstimateAdd
  BillAddress
   Addr1
   Addr2
   Addr3
   Addr4 2.0
   Addr5 6.0
   City
   Country
   Note 6.0
   PostalCode
   State
  ClassRef
   FullName
   ListID
  CustomerMsgRef
   FullName
   ListID
  CustomerRef
   FullName
   ListID
  CustomerSalesTaxCodeRef
   FullName
   ListID
  DueDate
  EstimateLineAdd
   Amount
   ClassRef
    FullName
    ListID
   DataExt 5.0
    DataExtName
    DataExtValue
    OwnerID
   Desc
   InventorySiteLocationRef 12.0|AU
    FullName
    ListID
   InventorySiteRef 10.0|AU
    FullName
    ListID
   ItemRef
    FullName
    ListID
   MarkupRate
   MarkupRatePercent
   OptionForPriceRuleConflict 13.0
   Other1 6.0
   Other2 6.0
   OverrideItemAccountRef 2.0
    FullName
    ListID
   PriceLevelRef 7.0
    FullName
    ListID
   Quantity
   Rate
   RatePercent
   SalesTaxCodeRef
    FullName
    ListID
   TaxAmount 6.1|US,CA,UK
   UnitOfMeasure 7.0
  EstimateLineGroupAdd
   DataExt 5.0
    DataExtName
    DataExtValue
    OwnerID
   Desc |US,CA,UK,AU
   InventorySiteLocationRef 12.0|AU
    FullName
    ListID
   InventorySiteRef 10.0|AU
    FullName
    ListID
   ItemGroupRef
    FullName
    ListID
   Quantity
   UnitOfMeasure 7.0
  ExchangeRate 8.0
  ExternalGUID 9.0
  FOB
  IsActive 3.0
  IsTaxIncluded 6.0|US
  IsToBeEmailed 6.0
  ItemSalesTaxRef
   FullName
   ListID
  Memo
  Other 6.0
  PONumber
  RefNumber
  SalesRepRef
   FullName
   ListID
  ShipAddress 7.0
   Addr1
   Addr2
   Addr3
   Addr4
   Addr5
   City
   Country
   Note
   PostalCode
   State
  TemplateRef 3.0
   FullName
   ListID
  TermsRef
   FullName
   ListID
  TxnDate
 IncludeRetElement 4.0
EstimateModRq 3.0
 EstimateMod
  BillAddress
   Addr1
   Addr2
   Addr3
   Addr4
   Addr5 6.0
   City
   Country
   Note 6.0
   PostalCode
   State
  ClassRef
   FullName
   ListID
  CreateChangeOrder
  CustomerMsgRef
   FullName
   ListID
  CustomerRef
   FullName
   ListID
  CustomerSalesTaxCodeRef
   FullName
   ListID
  DueDate
  EditSequence
  EstimateLineGroupMod
   EstimateLineMod
    Amount
    ClassRef
     FullName
     ListID
    Desc
    InventorySiteLocationRef 12.0|AU
     FullName
     ListID
    InventorySiteRef 10.0|AU
     FullName
     ListID
    ItemRef
     FullName
     ListID
    MarkupRate
    MarkupRatePercent
    OptionForPriceRuleConflict 13.0
    Other1 6.0
    Other2 6.0
    OverrideUOMSetRef 7.0
     FullName
     ListID
    PriceLevelRef 7.0
     FullName
     ListID
    Quantity
    Rate
    RatePercent
    SalesTaxCodeRef
     FullName
     ListID
    TaxAmount 6.1|US,CA,UK
    TxnLineID
    UnitOfMeasure 7.0
   ItemGroupRef
    FullName
    ListID
   OverrideUOMSetRef 7.0
    FullName
    ListID
   Quantity
   TxnLineID
   UnitOfMeasure 7.0
  EstimateLineMod
   Amount
   ClassRef
    FullName
    ListID
   Desc
   InventorySiteLocationRef 12.0|AU
    FullName
    ListID
   InventorySiteRef 10.0|AU
    FullName
    ListID
   ItemRef
    FullName
    ListID
   MarkupRate
   MarkupRatePercent
   OptionForPriceRuleConflict 13.0
   Other1 6.0
   Other2 6.0
   OverrideUOMSetRef 7.0
    FullName
    ListID
   PriceLevelRef 7.0
    FullName
    ListID
   Quantity
   Rate
   RatePercent
   SalesTaxCodeRef
    FullName
    ListID
   TaxAmount 6.1|US,CA,UK
   TxnLineID
   UnitOfMeasure 7.0
  ExchangeRate 8.0
  FOB
  IsActive
  IsTaxIncluded 6.0|US
  IsToBeEmailed 6.0
  ItemSalesTaxRef
   FullName
   ListID
  Memo
  Other 6.0
  PONumber
  RefNumber
  SalesRepRef
   FullName
   ListID
  ShipAddress 7.0
   Addr1
   Addr2
   Addr3
   Addr4
   Addr5
   City
   Country
   Note
   PostalCode
   State
  TemplateRef
   FullName
   ListID
  TermsRef
   FullName
   ListID
  TxnDate
  TxnID
 IncludeRetElement 4.0
EstimateQueryRq
 AccountFilter
  FullName
  FullNameWithChildren
  ListID 2.0
  ListIDWithChildren 2.0
 CurrencyFilter 8.0
  FullName
  ListID
 EntityFilter
  FullName
  FullNameWithChildren
  ListID 2.0
  ListIDWithChildren 2.0
 IncludeLineItems
 IncludeLinkedTxns 3.0
 IncludeRetElement 4.0
 MaxReturned
 ModifiedDateRangeFilter
  FromModifiedDate
  ToModifiedDate
 OwnerID 2.0
 RefNumber
 RefNumberCaseSensitive 4.0
 RefNumberFilter
  MatchCriterion
  RefNumber
 RefNumberRangeFilter
  FromRefNumber
  ToRefNumber
 TxnDateRangeFilter
  DateMacro
  FromTxnDate
  ToTxnDate
 TxnID
Form1099CategoryAccountMappingModRq 8.0|CA,UK
 Form1099CategoryAccountMappingMod
  CategoryAccountMappingMod
   MappingAccount
    AccountRef
     FullName
     ListID
    ForceMapping
   MappingCategory
   Threshold
  FormType
  IsFiling1099Misc
Form1099CategoryAccountMappingQueryRq 8.0|CA,UK
 FormType
 MappingCategory
GeneralDetailReportQueryRq 2.0
 DisplayReport 3.0
 GeneralDetailReportType
 IncludeAccounts
 IncludeColumn
 ReportAccountFilter
  AccountTypeFilter
  FullName
  FullNameWithChildren
  ListID
  ListIDWithChildren
 ReportBasis 2.1
 ReportClassFilter 2.1
  FullName
  FullNameWithChildren
  ListID
  ListIDWithChildren
 ReportDateMacro
 ReportDetailLevelFilter 3.0
 ReportEntityFilter
  EntityTypeFilter
  FullName
  FullNameWithChildren
  ListID
  ListIDWithChildren
 ReportItemFilter
  FullName
  FullNameWithChildren
  ItemTypeFilter
  ListID
  ListIDWithChildren
 ReportModifiedDateRangeFilter 3.0
  FromReportModifiedDate
  ToReportModifiedDate
 ReportModifiedDateRangeMacro 3.0
 ReportOpenBalanceAsOf
 ReportPeriod
  FromReportDate
  ToReportDate
 ReportPostingStatusFilter 3.0
 ReportTxnTypeFilter
  TxnTypeFilter
 SummarizeRowsBy
GeneralSummaryReportQueryRq 2.0
 DisplayReport 3.0
 GeneralSummaryReportType
 IncludeSubcolumns
 ReportAccountFilter
  AccountTypeFilter
  FullName
  FullNameWithChildren
  ListID
  ListIDWithChildren
 ReportBasis 2.1
 ReportCalendar
 ReportClassFilter 2.1
  FullName
  FullNameWithChildren
  ListID
  ListIDWithChildren
 ReportDateMacro
 ReportDetailLevelFilter 3.0
 ReportEntityFilter
  EntityTypeFilter
  FullName
  FullNameWithChildren
  ListID
  ListIDWithChildren
 ReportItemFilter
  FullName
  FullNameWithChildren
  ItemTypeFilter
  ListID
  ListIDWithChildren
 ReportModifiedDateRangeFilter 3.0
  FromReportModifiedDate
  ToReportModifiedDate
 ReportModifiedDateRangeMacro 3.0
 ReportPeriod
  FromReportDate
  ToReportDate
 ReportPostingStatusFilter 3.0
 ReportTxnTypeFilter
  TxnTypeFilter
 ReturnColumns
 ReturnRows
 SummarizeColumnsBy
HostQueryRq
 IncludeListMetaData 6.0
  IncludeMaxCapacity
 IncludeRetElement 4.0
InventoryAdjustmentAddRq 2.0
 IncludeRetElement 4.0
 InventoryAdjustmentAdd
  AccountRef
   FullName
   ListID
  ClassRef
   FullName
   ListID
  CustomerRef
   FullName
   ListID
  ExternalGUID 9.0
  InventoryAdjustmentLineAdd
   ItemRef
    FullName
    ListID
   LotNumberAdjustment 11.0|AU
    CountAdjustment
    InventorySiteLocationRef 12.0|AU
     FullName
     ListID
    LotNumber
   QuantityAdjustment
    InventorySiteLocationRef 12.0|AU
     FullName
     ListID
    LotNumber 11.0|AU
    NewQuantity
    QuantityDifference
    SerialNumber 11.0|AU
   SerialNumberAdjustment 11.0|AU
    AddSerialNumber
    InventorySiteLocationRef 12.0|AU
     FullName
     ListID
    RemoveSerialNumber
   ValueAdjustment
    NewQuantity
    NewValue
    QuantityDifference 10.0
    ValueDifference 10.0
  InventorySiteRef 10.0|AU
   FullName
   ListID
  Memo
  RefNumber
  TxnDate
InventoryAdjustmentModRq 9.0
 IncludeRetElement
 InventoryAdjustmentMod
  AccountRef
   FullName
   ListID
  ClassRef
   FullName
   ListID
  CustomerRef
   FullName
   ListID
  EditSequence
  InventoryAdjustmentLineMod
   CountAdjustment 11.0|AU
   InventorySiteLocationRef 12.0|AU
    FullName
    ListID
   ItemRef
    FullName
    ListID
   LotNumber 11.0|AU
   QuantityDifference
   SerialNumber 11.0|AU
   TxnLineID
   ValueDifference
  InventorySiteRef 10.0|AU
   FullName
   ListID
  Memo
  RefNumber
  TxnDate
  TxnID
InventoryAdjustmentQueryRq 2.0
 AccountFilter
  FullName
  FullNameWithChildren
  ListID
  ListIDWithChildren
 EntityFilter
  FullName
  FullNameWithChildren
  ListID
  ListIDWithChildren
 IncludeLineItems
 IncludeRetElement 4.0
 ItemFilter
  FullName
  FullNameWithChildren
  ListID
  ListIDWithChildren
 MaxReturned
 ModifiedDateRangeFilter
  FromModifiedDate
  ToModifiedDate
 OwnerID
 RefNumber
 RefNumberCaseSensitive 4.0
 RefNumberFilter
  MatchCriterion
  RefNumber
 RefNumberRangeFilter
  FromRefNumber
  ToRefNumber
 TxnDateRangeFilter
  DateMacro
  FromTxnDate
  ToTxnDate
 TxnID
InventorySiteAddRq 10.0|AU
 IncludeRetElement
 InventorySiteAdd
  Contact
  Email
  Fax
  IsActive
  Name
  ParentSiteRef 12.0|AU
   FullName
   ListID
  Phone
  SiteAddress
   Addr1
   Addr2
   Addr3
   Addr4
   Addr5
   City
   Country
   PostalCode
   State
  SiteDesc
InventorySiteModRq 10.0|AU
 IncludeRetElement
 InventorySiteMod
  Contact
  EditSequence
  Email
  Fax
  IsActive
  ListID
  Name
  ParentSiteRef 12.0|AU
   FullName
   ListID
  Phone
  SiteAddress
   Addr1
   Addr2
   Addr3
   Addr4
   Addr5
   City
   Country
   PostalCode
   State
  SiteDesc
InventorySiteQueryRq 10.0|AU
 ActiveStatus
 FromModifiedDate
 FullName
 IncludeRetElement
 ListID
 NameFilter
  MatchCriterion
  Name
 NameRangeFilter
  FromName
  ToName
 ToModifiedDate
InvoiceAddRq
 IncludeRetElement 4.0
 InvoiceAdd
  ARAccountRef
   FullName
   ListID
  BillAddress
   Addr1
   Addr2
   Addr3
   Addr4 2.0
   Addr5 6.0
   City
   Country
   Note 6.0
   PostalCode
   State
  ClassRef
   FullName
   ListID
  CustomerMsgRef
   FullName
   ListID
  CustomerRef
   FullName
   ListID
  CustomerSalesTaxCodeRef
   FullName
   ListID
  DiscountLineAdd 4.0|US,CA,UK,AU
   AccountRef
    FullName
    ListID
   Amount
   IsTaxable
   RatePercent
  DueDate
  ExchangeRate 8.0
  ExternalGUID 9.0
  FOB
  InvoiceLineAdd
   Amount
   ClassRef
    FullName
    ListID
   DataExt 5.0
    DataExtName
    DataExtValue
    OwnerID
   Desc
   InventorySiteLocationRef 12.0|AU
    FullName
    ListID
   InventorySiteRef 10.0|AU
    FullName
    ListID
   IsTaxable 4.0|US,CA,UK,AU
   ItemRef
    FullName
    ListID
   LinkToTxn 6.0
    TxnID
    TxnLineID
   LotNumber 11.0|AU
   OptionForPriceRuleConflict 13.0
   Other1 6.0
   Other2 6.0
   OverrideItemAccountRef 2.0
    FullName
    ListID
   PriceLevelRef 4.0
    FullName
    ListID
   Quantity
   Rate
   RatePercent
   SalesTaxCodeRef
    FullName
    ListID
   SerialNumber 11.0|AU
   ServiceDate
   TaxAmount 6.1|US,CA,UK
   UnitOfMeasure 7.0
  InvoiceLineGroupAdd
   DataExt 5.0
    DataExtName
    DataExtValue
    OwnerID
   Desc |US,CA,UK,AU
   InventorySiteLocationRef 12.0|AU
    FullName
    ListID
   InventorySiteRef 10.0|AU
    FullName
    ListID
   ItemGroupRef
    FullName
    ListID
   Quantity
   ServiceDate |US,CA,UK,AU
   UnitOfMeasure 7.0
  IsFinanceCharge 8.0
  IsPending
  IsTaxIncluded 6.0|US
  IsToBeEmailed 6.0
  IsToBePrinted
  ItemSalesTaxRef
   FullName
   ListID
  LinkToTxnID 6.0
  Memo
  Other 6.0
  PONumber
  RefNumber
  SalesRepRef
   FullName
   ListID
  SalesTaxLineAdd 4.0|US,CA,UK,AU
   AccountRef
    FullName
    ListID
   Amount
   RatePercent
  SetCredit 10.0
   AppliedAmount
   CreditTxnID
   Override
   TxnLineID 10.0|US,CA,UK,AU
  ShipAddress
   Addr1
   Addr2
   Addr3
   Addr4 2.0
   Addr5 6.0
   City
   Country
   Note 6.0
   PostalCode
   State
  ShipDate
  ShipMethodRef
   FullName
   ListID
  ShippingLineAdd 4.0|US,CA,UK,AU
   AccountRef
    FullName
    ListID
   Amount
  TemplateRef 3.0
   FullName
   ListID
  TermsRef
   FullName
   ListID
  TxnDate
InvoiceModRq 2.1
 IncludeRetElement 4.0
 InvoiceMod
  ARAccountRef
   FullName
   ListID
  BillAddress
   Addr1
   Addr2
   Addr3
   Addr4
   Addr5 6.0
   City
   Country
   Note 6.0
   PostalCode
   State
  ClassRef
   FullName
   ListID
  CustomerMsgRef
   FullName
   ListID
  CustomerRef
   FullName
   ListID
  CustomerSalesTaxCodeRef
   FullName
   ListID
  DueDate
  EditSequence
  ExchangeRate 8.0
  FOB
  InvoiceLineGroupMod
   InvoiceLineMod
    Amount
    ClassRef
     FullName
     ListID
    Desc
    InventorySiteLocationRef 12.0|AU
     FullName
     ListID
    InventorySiteRef 10.0|AU
     FullName
     ListID
    ItemRef
     FullName
     ListID
    LotNumber 11.0|AU
    OptionForPriceRuleConflict 13.0
    Other1 6.0
    Other2 6.0
    OverrideItemAccountRef
     FullName
     ListID
    OverrideUOMSetRef 7.0
     FullName
     ListID
    PriceLevelRef 4.0
     FullName
     ListID
    Quantity
    Rate
    RatePercent
    SalesTaxCodeRef
     FullName
     ListID
    SerialNumber 11.0|AU
    ServiceDate
    TaxAmount 6.1|US,CA,UK
    TxnLineID
    UnitOfMeasure 7.0
   ItemGroupRef
    FullName
    ListID
   OverrideUOMSetRef 7.0
    FullName
    ListID
   Quantity
   TxnLineID
   UnitOfMeasure 7.0
  InvoiceLineMod
   Amount
   ClassRef
    FullName
    ListID
   Desc
   InventorySiteLocationRef 12.0|AU
    FullName
    ListID
   InventorySiteRef 10.0|AU
    FullName
    ListID
   ItemRef
    FullName
    ListID
   LotNumber 11.0|AU
   OptionForPriceRuleConflict 13.0
   Other1 6.0
   Other2 6.0
   OverrideItemAccountRef
    FullName
    ListID
   OverrideUOMSetRef 7.0
    FullName
    ListID
   PriceLevelRef 4.0
    FullName
    ListID
   Quantity
   Rate
   RatePercent
   SalesTaxCodeRef
    FullName
    ListID
   SerialNumber 11.0|AU
   ServiceDate
   TaxAmount 6.1|US,CA,UK
   TxnLineID
   UnitOfMeasure 7.0
  IsPending
  IsTaxIncluded 6.0|US
  IsToBeEmailed 6.0
  IsToBePrinted
  ItemSalesTaxRef
   FullName
   ListID
  Memo
  Other 6.0
  PONumber
  RefNumber
  SalesRepRef
   FullName
   ListID
  SetCredit 10.0
   AppliedAmount
   CreditTxnID
   Override
   TxnLineID 10.0|US,CA,UK,AU
  ShipAddress
   Addr1
   Addr2
   Addr3
   Addr4
   Addr5 6.0
   City
   Country
   Note 6.0
   PostalCode
   State
  ShipDate
  ShipMethodRef
   FullName
   ListID
  TemplateRef 3.0
   FullName
   ListID
  TermsRef
   FullName
   ListID
  TxnDate
  TxnID
InvoiceQueryRq
 AccountFilter
  FullName
  FullNameWithChildren
  ListID 2.0
  ListIDWithChildren 2.0
 CurrencyFilter 8.0
  FullName
  ListID
 EntityFilter
  FullName
  FullNameWithChildren
  ListID 2.0
  ListIDWithChildren 2.0
 IncludeLineItems
 IncludeLinkedTxns 1.1
 IncludeRetElement 4.0
 MaxReturned
 ModifiedDateRangeFilter
  FromModifiedDate
  ToModifiedDate
 OwnerID 2.0
 PaidStatus
 RefNumber
 RefNumberCaseSensitive 4.0
 RefNumberFilter
  MatchCriterion
  RefNumber
 RefNumberRangeFilter
  FromRefNumber
  ToRefNumber
 TxnDateRangeFilter
  DateMacro
  FromTxnDate
  ToTxnDate
 TxnID
ItemAssembliesCanBuildQueryRq 5.0
 ItemInventoryAssemblyRef
  FullName
  ListID
 TxnDate
ItemDiscountAddRq
 IncludeRetElement 4.0
 ItemDiscountAdd
  AccountRef
   FullName
   ListID
  BarCode 12.0|AU
   AllowOverride
   AssignEvenIfUsed
   BarCodeValue
  ClassRef 12.0
   FullName
   ListID
  DiscountRate
  DiscountRatePercent
  ExternalGUID 8.0
  IsActive
  ItemDesc
  Name
  ParentRef
   FullName
   ListID
  SalesTaxCodeRef
   FullName
   ListID
ItemDiscountModRq 3.0
 IncludeRetElement 4.0
 ItemDiscountMod
  AccountRef 7.0
   FullName
   ListID
  ApplyAccountRefToExistingTxns 7.0
  BarCode 12.0|AU
   AllowOverride
   AssignEvenIfUsed
   BarCodeValue
  ClassRef 12.0
   FullName
   ListID
  DiscountRate
  DiscountRatePercent
  EditSequence
  IsActive
  ItemDesc
  ListID
  Name
  ParentRef
   FullName
   ListID
  SalesTaxCodeRef
   FullName
   ListID
ItemDiscountQueryRq
 ActiveStatus
 ClassFilter 12.0|AU
  FullName
  FullNameWithChildren
  ListID
  ListIDWithChildren
 FromModifiedDate
 FullName
 IncludeRetElement 4.0
 ListID
 MaxReturned
 NameFilter
  MatchCriterion
  Name
 NameRangeFilter
  FromName
  ToName
 OwnerID 2.0
 ToModifiedDate
ItemFixedAssetAddRq 3.0
 IncludeRetElement 4.0
 ItemFixedAssetAdd
  AcquiredAs
  AssetAccountRef
   FullName
   ListID
  AssetDesc
  AssetNumber
  BarCode 12.0|AU
   AllowOverride
   AssignEvenIfUsed
   BarCodeValue
  ClassRef 12.0
   FullName
   ListID
  CostBasis
  ExternalGUID 8.0
  FixedAssetSalesInfo
   SalesDate
   SalesDesc
   SalesExpense
   SalesPrice
  IsActive
  Location
  Name
  Notes
  PONumber
  PurchaseCost
  PurchaseDate
  PurchaseDesc
  SerialNumber
  VendorOrPayeeName
  WarrantyExpDate
  YearEndAccumulatedDepreciation
  YearEndBookValue
ItemFixedAssetModRq 3.0
 IncludeRetElement 4.0
 ItemFixedAssetMod
  AcquiredAs
  AssetAccountRef
   FullName
   ListID
  AssetDesc
  AssetNumber
  BarCode 12.0|AU
   AllowOverride
   AssignEvenIfUsed
   BarCodeValue
  ClassRef 12.0
   FullName
   ListID
  CostBasis
  EditSequence
  FixedAssetSalesInfoMod
   SalesDate
   SalesDesc
   SalesExpense
   SalesPrice
  IsActive
  ListID
  Location
  Name
  Notes
  PONumber
  PurchaseCost
  PurchaseDate
  PurchaseDesc
  SerialNumber
  VendorOrPayeeName
  WarrantyExpDate
  YearEndAccumulatedDepreciation
  YearEndBookValue
ItemFixedAssetQueryRq 3.0
 ActiveStatus
 ClassFilter 12.0|AU
  FullName
  FullNameWithChildren
  ListID
  ListIDWithChildren
 FromModifiedDate
 FullName
 IncludeRetElement 4.0
 ListID
 MaxReturned
 NameFilter
  MatchCriterion
  Name
 NameRangeFilter
  FromName
  ToName
 OwnerID
 ToModifiedDate
ItemGroupAddRq
 IncludeRetElement 4.0
 ItemGroupAdd
  BarCode 12.0|AU
   AllowOverride
   AssignEvenIfUsed
   BarCodeValue
  ExternalGUID 8.0
  IsActive
  IsPrintItemsInGroup
  ItemDesc
  ItemGroupLine
   ItemRef
    FullName
    ListID
   Quantity
   UnitOfMeasure 7.0
  Name
  UnitOfMeasureSetRef 7.0
   FullName
   ListID
ItemGroupModRq 3.0
 IncludeRetElement 4.0
 ItemGroupMod
  BarCode 12.0|AU
   AllowOverride
   AssignEvenIfUsed
   BarCodeValue
  ClearItemsInGroup
  EditSequence
  ForceUOMChange 7.0
  IsActive
  IsPrintItemsInGroup
  ItemDesc
  ItemGroupLine
   ItemRef
    FullName
    ListID
   Quantity
   UnitOfMeasure 7.0
  ListID
  Name
  UnitOfMeasureSetRef 7.0
   FullName
   ListID
ItemGroupQueryRq
 ActiveStatus
 FromModifiedDate
 FullName
 IncludeRetElement 4.0
 ListID
 MaxReturned
 NameFilter
  MatchCriterion
  Name
 NameRangeFilter
  FromName
  ToName
 OwnerID 2.0
 ToModifiedDate
ItemInventoryAddRq
 IncludeRetElement 4.0
 ItemInventoryAdd
  AssetAccountRef
   FullName
   ListID
  BarCode 12.0|AU
   AllowOverride
   AssignEvenIfUsed
   BarCodeValue
  COGSAccountRef
   FullName
   ListID
  ClassRef 12.0
   FullName
   ListID
  ExternalGUID 8.0
  IncomeAccountRef
   FullName
   ListID
  InventoryDate
  IsActive
  IsTaxIncluded 6.0|US
  ManufacturerPartNumber 7.0
  Max 13.0
  Name
  ParentRef
   FullName
   ListID
  PrefVendorRef
   FullName
   ListID
  PurchaseCost
  PurchaseDesc
  PurchaseTaxCodeRef 6.0|US
   FullName
   ListID
  QuantityOnHand
  ReorderPoint
  SalesDesc
  SalesPrice
  SalesTaxCodeRef
   FullName
   ListID
  TotalValue
  UnitOfMeasureSetRef 7.0
   FullName
   ListID
ItemInventoryAssemblyAddRq 2.0
 IncludeRetElement 4.0
 ItemInventoryAssemblyAdd
  AssetAccountRef
   FullName
   ListID
  BarCode 12.0|AU
   AllowOverride
   AssignEvenIfUsed
   BarCodeValue
  BuildPoint
  COGSAccountRef
   FullName
   ListID
  ClassRef 12.0
   FullName
   ListID
  ExternalGUID 8.0
  IncomeAccountRef
   FullName
   ListID
  InventoryDate
  IsActive
  IsTaxIncluded 6.0|US
  ItemInventoryAssemblyLine
   ItemInventoryRef
    FullName
    ListID
   Quantity
  ManufacturerPartNumber 12.0
  Max 13.0
  Name
  ParentRef
   FullName
   ListID
  PrefVendorRef
   FullName
   ListID
  PurchaseCost
  PurchaseDesc
  PurchaseTaxCodeRef 6.0|US
   FullName
   ListID
  QuantityOnHand
  SalesDesc
  SalesPrice
  SalesTaxCodeRef
   FullName
   ListID
  TotalValue
  UnitOfMeasureSetRef 7.0
   FullName
   ListID
ItemInventoryAssemblyModRq 3.0
 IncludeRetElement 4.0
 ItemInventoryAssemblyMod
  ApplyIncomeAccountRefToExistingTxns 7.0
  AssetAccountRef
   FullName
   ListID
  BarCode 12.0|AU
   AllowOverride
   AssignEvenIfUsed
   BarCodeValue
  BuildPoint
  COGSAccountRef
   FullName
   ListID
  ClassRef 12.0
   FullName
   ListID
  ClearItemsInGroup
  EditSequence
  ForceUOMChange 7.0
  IncomeAccountRef 7.0
   FullName
   ListID
  IsActive
  IsTaxIncluded 6.0|US
  ItemInventoryAssemblyLine
   ItemInventoryRef
    FullName
    ListID
   Quantity
  ListID
  ManufacturerPartNumber 12.0
  Max 13.0
  Name
  ParentRef
   FullName
   ListID
  PrefVendorRef
   FullName
   ListID
  PurchaseCost
  PurchaseDesc
  PurchaseTaxCodeRef 6.0|US
   FullName
   ListID
  SalesDesc
  SalesPrice
  SalesTaxCodeRef
   FullName
   ListID
  UnitOfMeasureSetRef 7.0
   FullName
   ListID
ItemInventoryAssemblyQueryRq 2.0
 ActiveStatus
 ClassFilter 12.0|AU
  FullName
  FullNameWithChildren
  ListID
  ListIDWithChildren
 FromModifiedDate
 FullName
 IncludeRetElement 4.0
 ListID
 MaxReturned
 NameFilter
  MatchCriterion
  Name
 NameRangeFilter
  FromName
  ToName
 OwnerID
 ToModifiedDate
ItemInventoryModRq
 IncludeRetElement 4.0
 ItemInventoryMod
  ApplyCOGSAccountRefToExistingTxns 8.0
  ApplyIncomeAccountRefToExistingTxns 7.0
  AssetAccountRef
   FullName
   ListID
  BarCode 12.0|AU
   AllowOverride
   AssignEvenIfUsed
   BarCodeValue
  COGSAccountRef
   FullName
   ListID
  ClassRef 12.0
   FullName
   ListID
  EditSequence
  ForceUOMChange 7.0
  IncomeAccountRef 7.0
   FullName
   ListID
  IsActive
  IsTaxIncluded 6.0|US
  ListID
  ManufacturerPartNumber 7.0
  Max 13.0
  Name
  ParentRef
   FullName
   ListID
  PrefVendorRef
   FullName
   ListID
  PurchaseCost
  PurchaseDesc
  PurchaseTaxCodeRef 6.0|US
   FullName
   ListID
  ReorderPoint
  SalesDesc
  SalesPrice
  SalesTaxCodeRef
   FullName
   ListID
  UnitOfMeasureSetRef 7.0
   FullName
   ListID
ItemInventoryQueryRq
 ActiveStatus
 ClassFilter 12.0|AU
  FullName
  FullNameWithChildren
  ListID
  ListIDWithChildren
 FromModifiedDate
 FullName
 IncludeRetElement 4.0
 ListID
 MaxReturned
 NameFilter
  MatchCriterion
  Name
 NameRangeFilter
  FromName
  ToName
 OwnerID 2.0
 ToModifiedDate
ItemNonInventoryAddRq
 IncludeRetElement 4.0
 ItemNonInventoryAdd
  BarCode 12.0|AU
   AllowOverride
   AssignEvenIfUsed
   BarCodeValue
  ClassRef 12.0
   FullName
   ListID
  ExternalGUID 8.0
  IsActive
  IsTaxIncluded 6.0|US
  ManufacturerPartNumber 7.0
  Name
  ParentRef
   FullName
   ListID
  SalesAndPurchase
   ExpenseAccountRef
    FullName
    ListID
   IncomeAccountRef
    FullName
    ListID
   PrefVendorRef
    FullName
    ListID
   PurchaseCost
   PurchaseDesc
   PurchaseTaxCodeRef 6.0|US
    FullName
    ListID
   SalesDesc
   SalesPrice
  SalesOrPurchase
   AccountRef
    FullName
    ListID
   Desc
   Price
   PricePercent
  SalesTaxCodeRef
   FullName
   ListID
  UnitOfMeasureSetRef 7.0
   FullName
   ListID
ItemNonInventoryModRq
 IncludeRetElement 4.0
 ItemNonInventoryMod
  BarCode 12.0|AU
   AllowOverride
   AssignEvenIfUsed
   BarCodeValue
  ClassRef 12.0
   FullName
   ListID
  EditSequence
  ForceUOMChange 7.0
  IsActive
  IsTaxIncluded 6.0|US
  ListID
  ManufacturerPartNumber 7.0
  Name
  ParentRef
   FullName
   ListID
  SalesAndPurchaseMod
   ApplyExpenseAccountRefToExistingTxns 7.0
   ApplyIncomeAccountRefToExistingTxns 7.0
   ExpenseAccountRef 7.0
    FullName
    ListID
   IncomeAccountRef 7.0
    FullName
    ListID
   PrefVendorRef
    FullName
    ListID
   PurchaseCost
   PurchaseDesc
   PurchaseTaxCodeRef 6.0|US
    FullName
    ListID
   SalesDesc
   SalesPrice
  SalesOrPurchaseMod
   AccountRef 7.0
    FullName
    ListID
   ApplyAccountRefToExistingTxns 7.0
   Desc
   Price
   PricePercent
  SalesTaxCodeRef
   FullName
   ListID
  UnitOfMeasureSetRef 7.0
   FullName
   ListID
ItemNonInventoryQueryRq
 ActiveStatus
 ClassFilter 12.0|AU
  FullName
  FullNameWithChildren
  ListID
  ListIDWithChildren
 FromModifiedDate
 FullName
 IncludeRetElement 4.0
 ListID
 MaxReturned
 NameFilter
  MatchCriterion
  Name
 NameRangeFilter
  FromName
  ToName
 OwnerID 2.0
 ToModifiedDate
ItemOtherChargeAddRq
 IncludeRetElement 4.0
 ItemOtherChargeAdd
  BarCode 12.0|AU
   AllowOverride
   AssignEvenIfUsed
   BarCodeValue
  ClassRef 12.0
   FullName
   ListID
  ExternalGUID 8.0
  IsActive
  IsTaxIncluded 6.0|US
  Name
  ParentRef
   FullName
   ListID
  SalesAndPurchase
   ExpenseAccountRef
    FullName
    ListID
   IncomeAccountRef
    FullName
    ListID
   PrefVendorRef
    FullName
    ListID
   PurchaseCost
   PurchaseDesc
   PurchaseTaxCodeRef 6.0|US
    FullName
    ListID
   SalesDesc
   SalesPrice
  SalesOrPurchase
   AccountRef
    FullName
    ListID
   Desc
   Price
   PricePercent
  SalesTaxCodeRef
   FullName
   ListID
ItemOtherChargeModRq 3.0
 IncludeRetElement 4.0
 ItemOtherChargeMod
  BarCode 12.0|AU
   AllowOverride
   AssignEvenIfUsed
   BarCodeValue
  ClassRef 12.0
   FullName
   ListID
  EditSequence
  IsActive
  IsTaxIncluded 6.0|US
  ListID
  Name
  ParentRef
   FullName
   ListID
  SalesAndPurchaseMod
   ApplyExpenseAccountRefToExistingTxns 7.0
   ApplyIncomeAccountRefToExistingTxns 7.0
   ExpenseAccountRef 7.0
    FullName
    ListID
   IncomeAccountRef 7.0
    FullName
    ListID
   PrefVendorRef
    FullName
    ListID
   PurchaseCost
   PurchaseDesc
   PurchaseTaxCodeRef 6.0|US
    FullName
    ListID
   SalesDesc
   SalesPrice
  SalesOrPurchaseMod
   AccountRef 7.0
    FullName
    ListID
   ApplyAccountRefToExistingTxns 7.0
   Desc
   Price
   PricePercent
  SalesTaxCodeRef
   FullName
   ListID
ItemOtherChargeQueryRq
 ActiveStatus
 ClassFilter 12.0|AU
  FullName
  FullNameWithChildren
  ListID
  ListIDWithChildren
 FromModifiedDate
 FullName
 IncludeRetElement 4.0
 ListID
 MaxReturned
 NameFilter
  MatchCriterion
  Name
 NameRangeFilter
  FromName
  ToName
 OwnerID 2.0
 ToModifiedDate
ItemPaymentAddRq
 IncludeRetElement 4.0
 ItemPaymentAdd
  BarCode 12.0|AU
   AllowOverride
   AssignEvenIfUsed
   BarCodeValue
  ClassRef 12.0
   FullName
   ListID
  DepositToAccountRef
   FullName
   ListID
  ExternalGUID 8.0
  IsActive
  ItemDesc
  Name
  PaymentMethodRef
   FullName
   ListID
ItemPaymentModRq 3.0
 IncludeRetElement 4.0
 ItemPaymentMod
  BarCode 12.0|AU
   AllowOverride
   AssignEvenIfUsed
   BarCodeValue
  ClassRef 12.0
   FullName
   ListID
  DepositToAccountRef
   FullName
   ListID
  EditSequence
  IsActive
  ItemDesc
  ListID
  Name
  PaymentMethodRef
   FullName
   ListID
ItemPaymentQueryRq
 ActiveStatus
 ClassFilter 12.0|AU
  FullName
  FullNameWithChildren
  ListID
  ListIDWithChildren
 FromModifiedDate
 FullName
 IncludeRetElement 4.0
 ListID
 MaxReturned
 NameFilter
  MatchCriterion
  Name
 NameRangeFilter
  FromName
  ToName
 OwnerID 2.0
 ToModifiedDate
ItemQueryRq
 ActiveStatus
 FromModifiedDate
 FullName
 IncludeRetElement 4.0
 ListID
 MaxReturned
 NameFilter
  MatchCriterion
  Name
 NameRangeFilter
  FromName
  ToName
 OwnerID 2.0
 ToModifiedDate
ItemReceiptAddRq 4.0
 IncludeRetElement
 ItemReceiptAdd
  APAccountRef
   FullName
   ListID
  ExchangeRate 8.0
  ExpenseLineAdd
   AccountRef
    FullName
    ListID
   Amount
   BillableStatus
   ClassRef
    FullName
    ListID
   CustomerRef
    FullName
    ListID
   DataExt 13.0
    DataExtName
    DataExtValue
    OwnerID
   Memo
   SalesRepRef 13.0
    FullName
    ListID
   SalesTaxCodeRef 6.0|US
    FullName
    ListID
   TaxAmount 6.1|US,CA,UK
  ExternalGUID 9.0
  IsTaxIncluded 8.0|US
  ItemGroupLineAdd
   DataExt 13.0
    DataExtName
    DataExtValue
    OwnerID
   Desc 4.0|US,CA,UK,AU
   InventorySiteLocationRef 12.0|AU
    FullName
    ListID
   InventorySiteRef 10.0|AU
    FullName
    ListID
   ItemGroupRef
    FullName
    ListID
   Quantity
   UnitOfMeasure 7.0
  ItemLineAdd
   Amount
   BillableStatus
   ClassRef
    FullName
    ListID
   Cost
   CustomerRef
    FullName
    ListID
   DataExt 13.0
    DataExtName
    DataExtValue
    OwnerID
   Desc
   InventorySiteLocationRef 12.0|AU
    FullName
    ListID
   InventorySiteRef 10.0|AU
    FullName
    ListID
   ItemRef
    FullName
    ListID
   LinkToTxn
    TxnID
    TxnLineID
   LotNumber 11.0|AU
   OverrideItemAccountRef
    FullName
    ListID
   Quantity
   SalesRepRef 13.0
    FullName
    ListID
   SalesTaxCodeRef 6.0|US
    FullName
    ListID
   SerialNumber 11.0|AU
   TaxAmount 6.1|US,CA,UK
   UnitOfMeasure 7.0
  LinkToTxnID
  Memo
  RefNumber
  SalesTaxCodeRef 8.0|US
   FullName
   ListID
  TxnDate
  VendorRef
   FullName
   ListID
ItemReceiptModRq 4.0
 IncludeRetElement
 ItemReceiptMod
  APAccountRef
   FullName
   ListID
  ClearExpenseLines
  ClearItemLines
  EditSequence
  ExchangeRate 8.0
  ExpenseLineMod
   AccountRef
    FullName
    ListID
   Amount
   BillableStatus
   ClassRef
    FullName
    ListID
   CustomerRef
    FullName
    ListID
   Memo
   SalesRepRef 13.0
    FullName
    ListID
   SalesTaxCodeRef 6.0|US
    FullName
    ListID
   TaxAmount 6.1|US,CA,UK
   TxnLineID
  IsTaxIncluded 8.0|US
  ItemGroupLineMod
   ItemGroupRef
    FullName
    ListID
   ItemLineMod
    Amount
    BillableStatus
    ClassRef
     FullName
     ListID
    Cost
    CustomerRef
     FullName
     ListID
    Desc
    InventorySiteLocationRef 12.0|AU
     FullName
     ListID
    InventorySiteRef 10.0|AU
     FullName
     ListID
    ItemRef
     FullName
     ListID
    LotNumber 11.0|AU
    OverrideItemAccountRef
     FullName
     ListID
    OverrideUOMSetRef 7.0
     FullName
     ListID
    Quantity
    SalesRepRef 13.0
     FullName
     ListID
    SalesTaxCodeRef 6.0|US
     FullName
     ListID
    SerialNumber 11.0|AU
    TaxAmount 6.1|US,CA,UK
    TxnLineID
    UnitOfMeasure 7.0
   OverrideUOMSetRef 7.0
    FullName
    ListID
   Quantity
   TxnLineID
   UnitOfMeasure 7.0
  ItemLineMod
   Amount
   BillableStatus
   ClassRef
    FullName
    ListID
   Cost
   CustomerRef
    FullName
    ListID
   Desc
   InventorySiteLocationRef 12.0|AU
    FullName
    ListID
   InventorySiteRef 10.0|AU
    FullName
    ListID
   ItemRef
    FullName
    ListID
   LotNumber 11.0|AU
   OverrideItemAccountRef
    FullName
    ListID
   OverrideUOMSetRef 7.0
    FullName
    ListID
   Quantity
   SalesRepRef 13.0
    FullName
    ListID
   SalesTaxCodeRef 6.0|US
    FullName
    ListID
   SerialNumber 11.0|AU
   TaxAmount 6.1|US,CA,UK
   TxnLineID
   UnitOfMeasure 7.0
  Memo
  RefNumber
  SalesTaxCodeRef 8.0|US
   FullName
   ListID
  TxnDate
  TxnID
  VendorRef
   FullName
   ListID
ItemReceiptQueryRq 3.0
 AccountFilter
  FullName
  FullNameWithChildren
  ListID
  ListIDWithChildren
 CurrencyFilter 8.0
  FullName
  ListID
 EntityFilter
  FullName
  FullNameWithChildren
  ListID
  ListIDWithChildren
 IncludeLineItems
 IncludeLinkedTxns
 IncludeRetElement 4.0
 MaxReturned
 ModifiedDateRangeFilter
  FromModifiedDate
  ToModifiedDate
 OwnerID
 RefNumber
 RefNumberCaseSensitive 4.0
 RefNumberFilter
  MatchCriterion
  RefNumber
 RefNumberRangeFilter
  FromRefNumber
  ToRefNumber
 TxnDateRangeFilter
  DateMacro
  FromTxnDate
  ToTxnDate
 TxnID
ItemSalesTaxAddRq
 IncludeRetElement 4.0
 ItemSalesTaxAdd
  BarCode 12.0|AU
   AllowOverride
   AssignEvenIfUsed
   BarCodeValue
  ClassRef 12.0
   FullName
   ListID
  ExternalGUID 8.0
  IsActive
  ItemDesc
  Name
  SalesTaxReturnLineRef 8.0|US
   FullName
   ListID
  TaxRate
  TaxVendorRef
   FullName
   ListID
ItemSalesTaxGroupAddRq
 IncludeRetElement 4.0
 ItemSalesTaxGroupAdd
  BarCode 12.0|AU
   AllowOverride
   AssignEvenIfUsed
   BarCodeValue
  ExternalGUID 8.0
  IsActive
  ItemDesc
  ItemSalesTaxRef
   FullName
   ListID
  Name
ItemSalesTaxGroupModRq 3.0
 IncludeRetElement 4.0
 ItemSalesTaxGroupMod
  BarCode 12.0|AU
   AllowOverride
   AssignEvenIfUsed
   BarCodeValue
  EditSequence
  IsActive
  ItemDesc
  ItemSalesTaxRef
   FullName
   ListID
  ListID
  Name
ItemSalesTaxGroupQueryRq
 ActiveStatus
 FromModifiedDate
 FullName
 IncludeRetElement 4.0
 ListID
 MaxReturned
 NameFilter
  MatchCriterion
  Name
 NameRangeFilter
  FromName
  ToName
 OwnerID 2.0
 ToModifiedDate
ItemSalesTaxModRq 3.0
 IncludeRetElement 4.0
 ItemSalesTaxMod
  BarCode 12.0|AU
   AllowOverride
   AssignEvenIfUsed
   BarCodeValue
  ClassRef 12.0
   FullName
   ListID
  EditSequence
  IsActive
  ItemDesc
  ListID
  Name
  SalesTaxReturnLineRef 8.0|US
   FullName
   ListID
  TaxRate
  TaxVendorRef
   FullName
   ListID
ItemSalesTaxQueryRq
 ActiveStatus
 ClassFilter 12.0|AU
  FullName
  FullNameWithChildren
  ListID
  ListIDWithChildren
 FromModifiedDate
 FullName
 IncludeRetElement 4.0
 ListID
 MaxReturned
 NameFilter
  MatchCriterion
  Name
 NameRangeFilter
  FromName
  ToName
 OwnerID 2.0
 ToModifiedDate
ItemServiceAddRq
 IncludeRetElement 4.0
 ItemServiceAdd
  BarCode 12.0|AU
   AllowOverride
   AssignEvenIfUsed
   BarCodeValue
  ClassRef 12.0
   FullName
   ListID
  ExternalGUID 8.0
  IsActive
  IsTaxIncluded 6.0|US
  Name
  ParentRef
   FullName
   ListID
  SalesAndPurchase
   ExpenseAccountRef
    FullName
    ListID
   IncomeAccountRef
    FullName
    ListID
   PrefVendorRef
    FullName
    ListID
   PurchaseCost
   PurchaseDesc
   PurchaseTaxCodeRef 6.0|US
    FullName
    ListID
   SalesDesc
   SalesPrice
  SalesOrPurchase
   AccountRef
    FullName
    ListID
   Desc
   Price
   PricePercent
  SalesTaxCodeRef
   FullName
   ListID
  UnitOfMeasureSetRef 7.0
   FullName
   ListID
ItemServiceModRq
 IncludeRetElement 4.0
 ItemServiceMod
  BarCode 12.0|AU
   AllowOverride
   AssignEvenIfUsed
   BarCodeValue
  ClassRef 12.0
   FullName
   ListID
  EditSequence
  ForceUOMChange 7.0
  IsActive
  IsTaxIncluded 6.0|US
  ListID
  Name
  ParentRef
   FullName
   ListID
  SalesAndPurchaseMod
   ApplyExpenseAccountRefToExistingTxns 7.0
   ApplyIncomeAccountRefToExistingTxns 7.0
   ExpenseAccountRef 7.0
    FullName
    ListID
   IncomeAccountRef 7.0
    FullName
    ListID
   PrefVendorRef
    FullName
    ListID
   PurchaseCost
   PurchaseDesc
   PurchaseTaxCodeRef 6.0|US
    FullName
    ListID
   SalesDesc
   SalesPrice
  SalesOrPurchaseMod
   AccountRef 7.0
    FullName
    ListID
   ApplyAccountRefToExistingTxns 7.0
   Desc
   Price
   PricePercent
  SalesTaxCodeRef
   FullName
   ListID
  UnitOfMeasureSetRef 7.0
   FullName
   ListID
ItemServiceQueryRq
 ActiveStatus
 ClassFilter 12.0|AU
  FullName
  FullNameWithChildren
  ListID
  ListIDWithChildren
 FromModifiedDate
 FullName
 IncludeRetElement 4.0
 ListID
 MaxReturned
 NameFilter
  MatchCriterion
  Name
 NameRangeFilter
  FromName
  ToName
 OwnerID 2.0
 ToModifiedDate
ItemSitesQueryRq 10.0|CA,UK,AU
 ActiveStatus
 IncludeRetElement
 ItemSiteFilter
  ItemFilter
   FullName
   FullNameWithChildren
   ListID
   ListIDWithChildren
  SiteFilter
   FullName
   ListID
 ItemTypeFilter
 ListID
 MaxReturned
ItemSubtotalAddRq
 IncludeRetElement 4.0
 ItemSubtotalAdd
  BarCode 12.0|AU
   AllowOverride
   AssignEvenIfUsed
   BarCodeValue
  ExternalGUID 8.0
  IsActive
  ItemDesc
  Name
ItemSubtotalModRq 3.0
 IncludeRetElement 4.0
 ItemSubtotalMod
  BarCode 12.0|AU
   AllowOverride
   AssignEvenIfUsed
   BarCodeValue
  EditSequence
  IsActive
  ItemDesc
  ListID
  Name
ItemSubtotalQueryRq
 ActiveStatus
 FromModifiedDate
 FullName
 IncludeRetElement 4.0
 ListID
 MaxReturned
 NameFilter
  MatchCriterion
  Name
 NameRangeFilter
  FromName
  ToName
 OwnerID 2.0
 ToModifiedDate
JobReportQueryRq 2.0
 DisplayReport 3.0
 IncludeSubcolumns
 JobReportType
 ReportAccountFilter
  AccountTypeFilter
  FullName
  FullNameWithChildren
  ListID
  ListIDWithChildren
 ReportClassFilter 2.1
  FullName
  FullNameWithChildren
  ListID
  ListIDWithChildren
 ReportDateMacro
 ReportDetailLevelFilter 3.0
 ReportEntityFilter
  EntityTypeFilter
  FullName
  FullNameWithChildren
  ListID
  ListIDWithChildren
 ReportItemFilter
  FullName
  FullNameWithChildren
  ItemTypeFilter
  ListID
  ListIDWithChildren
 ReportModifiedDateRangeFilter 3.0
  FromReportModifiedDate
  ToReportModifiedDate
 ReportModifiedDateRangeMacro 3.0
 ReportPeriod
  FromReportDate
  ToReportDate
 ReportPostingStatusFilter 3.0
 ReportTxnTypeFilter
  TxnTypeFilter
 SummarizeColumnsBy
JobTypeAddRq
 IncludeRetElement 4.0
 JobTypeAdd
  IsActive
  Name
  ParentRef
   FullName
   ListID
JobTypeQueryRq
 ActiveStatus
 FromModifiedDate
 FullName
 IncludeRetElement 4.0
 ListID
 MaxReturned
 NameFilter
  MatchCriterion
  Name
 NameRangeFilter
  FromName
  ToName
 ToModifiedDate
JournalEntryAddRq
 IncludeRetElement 4.0
 JournalEntryAdd
  CurrencyRef 8.0
   FullName
   ListID
  ExchangeRate 8.0
  ExternalGUID 9.0
  IsAdjustment 3.0
  IsAmountsEnteredInHomeCurrency 8.0
  IsHomeCurrencyAdjustment 8.0
  JournalCreditLine
   AccountRef
    FullName
    ListID
   Amount
   BillableStatus 3.0
   ClassRef
    FullName
    ListID
   EntityRef
    FullName
    ListID
   ItemSalesTaxRef 6.0|US
    FullName
    ListID
   Memo
   TaxAmount 6.1|US,CA,UK
   TxnLineID
  JournalDebitLine
   AccountRef
    FullName
    ListID
   Amount
   BillableStatus 3.0
   ClassRef
    FullName
    ListID
   EntityRef
    FullName
    ListID
   ItemSalesTaxRef 6.0|US
    FullName
    ListID
   Memo
   TaxAmount 6.1|US,CA,UK
   TxnLineID
  Memo |US,CA,UK,AU
  RefNumber
  TxnDate
JournalEntryModRq 6.0
 IncludeRetElement
 JournalEntryMod
  CurrencyRef 8.0
   FullName
   ListID
  EditSequence
  ExchangeRate 8.0
  IsAdjustment
  IsAmountsEnteredInHomeCurrency 8.0
  JournalLineMod
   AccountRef
    FullName
    ListID
   Amount
   BillableStatus
   ClassRef
    FullName
    ListID
   EntityRef
    FullName
    ListID
   ItemSalesTaxRef 6.0|US
    FullName
    ListID
   JournalLineType
   Memo
   TaxAmount 6.1|US,CA,UK
   TxnLineID
  RefNumber
  TxnDate
  TxnID
JournalEntryQueryRq
 AccountFilter
  FullName
  FullNameWithChildren
  ListID 2.0
  ListIDWithChildren 2.0
 CurrencyFilter 8.0
  FullName
  ListID
 EntityFilter
  FullName
  FullNameWithChildren
  ListID 2.0
  ListIDWithChildren 2.0
 IncludeLineItems
 IncludeRetElement 4.0
 MaxReturned
 ModifiedDateRangeFilter
  FromModifiedDate
  ToModifiedDate
 OwnerID 2.0
 RefNumber
 RefNumberCaseSensitive 4.0
 RefNumberFilter
  MatchCriterion
  RefNumber
 RefNumberRangeFilter
  FromRefNumber
  ToRefNumber
 TxnDateRangeFilter
  DateMacro
  FromTxnDate
  ToTxnDate
 TxnID
LeadAddRq 13.0
 IncludeRetElement
 LeadAdd
  AdditionalContactRef
   ContactName
   ContactValue
  CompanyName
  FullName
  LeadContacts
   AdditionalContactRef
    ContactName
    ContactValue
   FirstName
   IsPrimaryContact
   JobTitle
   LastName
   MiddleName
   Salutation
  Locations
   LeadAddress
    Addr1
    Addr2
    Addr3
    Addr4
    Addr5
   Location
  MainPhone
  Status
LeadModRq 13.0
 IncludeRetElement
 LeadMod
  AdditionalContactRef
   ContactName
   ContactValue
  CompanyName
  EditSequence
  FullName
  LeadContactsMod
   AdditionalContactRef
    ContactName
    ContactValue
   FirstName
   IsPrimaryContact
   JobTitle
   LastName
   LeadContactID
   MiddleName
   Salutation
  ListID
  LocationsMod
   LeadAddress
    Addr1
    Addr2
    Addr3
    Addr4
    Addr5
   Location
   LocationID
  MainPhone
  Status
LeadQueryRq 13.0
 FromModifiedDate
 IncludeRetElement
 ListID
 MaxReturned
 Name
 NameFilter
  MatchCriterion
  Name
 NameRangeFilter
  FromName
  ToName
 ToModifiedDate
ListDelRq 1.1
 ListDelType
 ListID
ListDeletedQueryRq 2.0
 DeletedDateRangeFilter
  FromDeletedDate
  ToDeletedDate
 IncludeRetElement 4.0
 ListDelType
ListDisplayAddRq 3.0
 ListDisplayAddType
ListDisplayModRq 3.0
 ListDisplayModType
 ListID
ListMergeRq 7.0
 ListMergeType
 MergeFrom
  EditSequence
  ListID
 MergeTo
  EditSequence
  ListID
 SameShipAddrOk 8.0
OtherNameAddRq
 IncludeRetElement 4.0
 OtherNameAdd
  AccountNumber
  AltContact
  AltPhone
  CompanyName
  Contact
  Email
  ExternalGUID 8.0
  Fax
  FirstName
  IsActive
  LastName
  MiddleName
  Name
  Notes 3.0
  OtherNameAddress
   Addr1
   Addr2
   Addr3
   Addr4 2.0
   Addr5 6.0
   City
   Country
   Note 6.0
   PostalCode
   State
  Phone
  Salutation
OtherNameModRq
 IncludeRetElement 4.0
 OtherNameMod
  AccountNumber
  AltContact
  AltPhone
  CompanyName
  Contact
  EditSequence
  Email
  Fax
  FirstName
  IsActive
  LastName
  ListID
  MiddleName
  Name
  Notes 3.0
  OtherNameAddress
   Addr1
   Addr2
   Addr3
   Addr4 2.0
   Addr5 6.0
   City
   Country
   Note 6.0
   PostalCode
   State
  Phone
  Salutation
OtherNameQueryRq
 ActiveStatus
 FromModifiedDate
 FullName
 IncludeRetElement 4.0
 ListID
 MaxReturned
 NameFilter
  MatchCriterion
  Name
 NameRangeFilter
  FromName
  ToName
 OwnerID 2.0
 ToModifiedDate
PaymentMethodAddRq
 IncludeRetElement 4.0
 PaymentMethodAdd
  IsActive
  Name
  PaymentMethodType 7.0
PaymentMethodQueryRq
 ActiveStatus
 FromModifiedDate
 FullName
 IncludeRetElement 4.0
 ListID
 MaxReturned
 NameFilter
  MatchCriterion
  Name
 NameRangeFilter
  FromName
  ToName
 PaymentMethodType 7.0
 ToModifiedDate
PayrollDetailReportQueryRq 3.0
 DisplayReport
 IncludeAccounts
 IncludeColumn
 PayrollDetailReportType
 ReportAccountFilter
  AccountTypeFilter
  FullName
  FullNameWithChildren
  ListID
  ListIDWithChildren
 ReportClassFilter
  FullName
  FullNameWithChildren
  ListID
  ListIDWithChildren
 ReportDateMacro
 ReportDetailLevelFilter
 ReportEntityFilter
  EntityTypeFilter
  FullName
  FullNameWithChildren
  ListID
  ListIDWithChildren
 ReportItemFilter
  FullName
  FullNameWithChildren
  ItemTypeFilter
  ListID
  ListIDWithChildren
 ReportModifiedDateRangeFilter
  FromReportModifiedDate
  ToReportModifiedDate
 ReportModifiedDateRangeMacro
 ReportOpenBalanceAsOf
 ReportPeriod
  FromReportDate
  ToReportDate
 ReportPostingStatusFilter
 SummarizeRowsBy
PayrollItemNonWageQueryRq 3.0
 ActiveStatus
 FromModifiedDate
 FullName
 IncludeRetElement 4.0
 ListID
 MaxReturned
 NameFilter
  MatchCriterion
  Name
 NameRangeFilter
  FromName
  ToName
 ToModifiedDate
PayrollItemWageAddRq 2.0
 IncludeRetElement 4.0
 PayrollItemWageAdd
  ExpenseAccountRef
   FullName
   ListID
  IsActive
  Name
  WageType
PayrollItemWageQueryRq
 ActiveStatus
 FromModifiedDate
 FullName
 IncludeRetElement 4.0
 ListID
 MaxReturned
 NameFilter
  MatchCriterion
  Name
 NameRangeFilter
  FromName
  ToName
 ToModifiedDate
PayrollLastPeriodQueryRq 8.0|US,CA,UK,AU
PayrollSummaryReportQueryRq 3.0
 DisplayReport
 IncludeSubcolumns
 PayrollSummaryReportType
 ReportAccountFilter
  AccountTypeFilter
  FullName
  FullNameWithChildren
  ListID
  ListIDWithChildren
 ReportCalendar
 ReportClassFilter
  FullName
  FullNameWithChildren
  ListID
  ListIDWithChildren
 ReportDateMacro
 ReportDetailLevelFilter
 ReportEntityFilter
  EntityTypeFilter
  FullName
  FullNameWithChildren
  ListID
  ListIDWithChildren
 ReportItemFilter
  FullName
  FullNameWithChildren
  ItemTypeFilter
  ListID
  ListIDWithChildren
 ReportModifiedDateRangeFilter
  FromReportModifiedDate
  ToReportModifiedDate
 ReportModifiedDateRangeMacro
 ReportPeriod
  FromReportDate
  ToReportDate
 ReportPostingStatusFilter
 ReturnColumns
 ReturnRows
 SummarizeColumnsBy
PreferencesQueryRq 1.1
 IncludeRetElement 4.0
PriceLevelAddRq 4.0
 IncludeRetElement
 PriceLevelAdd
  CurrencyRef 8.0
   FullName
   ListID
  IsActive
  Name
  PriceLevelFixedPercentage
  PriceLevelPerItem
   AdjustPercentage
   AdjustRelativeTo
   CustomPrice
   CustomPricePercent
   ItemRef
    FullName
    ListID
PriceLevelModRq 4.0
 IncludeRetElement
 PriceLevelMod
  CurrencyRef 8.0
   FullName
   ListID
  EditSequence
  IsActive
  ListID
  Name
  PriceLevelFixedPercentage
  PriceLevelPerItem
   AdjustPercentage
   AdjustRelativeTo
   CustomPrice
   CustomPricePercent
   ItemRef
    FullName
    ListID
PriceLevelQueryRq 4.0
 ActiveStatus
 CurrencyFilter 8.0
  FullName
  ListID
 FromModifiedDate
 FullName
 IncludeRetElement
 ItemRef
  FullName
  ListID
 ListID
 MaxReturned
 NameFilter
  MatchCriterion
  Name
 NameRangeFilter
  FromName
  ToName
 ToModifiedDate
PurchaseOrderAddRq
 IncludeRetElement 4.0
 PurchaseOrderAdd
  ClassRef
   FullName
   ListID
  DueDate
  ExchangeRate 8.0
  ExpectedDate
  ExternalGUID 9.0
  FOB
  InventorySiteRef 10.0|AU
   FullName
   ListID
  IsTaxIncluded 6.0|US
  IsToBeEmailed 6.0
  IsToBePrinted
  Memo
  Other1 6.0
  Other2 6.0
  PurchaseOrderLineAdd
   Amount
   ClassRef
    FullName
    ListID
   CustomerRef
    FullName
    ListID
   DataExt 5.0
    DataExtName
    DataExtValue
    OwnerID
   Desc
   InventorySiteLocationRef 12.0|AU
    FullName
    ListID
   ItemRef
    FullName
    ListID
   ManufacturerPartNumber 7.0
   Other1 6.0
   Other2 6.0
   OverrideItemAccountRef 2.0
    FullName
    ListID
   Quantity
   Rate
   SalesTaxCodeRef 6.0|US
    FullName
    ListID
   ServiceDate
   TaxAmount 6.1|US,CA,UK
   UnitOfMeasure 7.0
  PurchaseOrderLineGroupAdd
   DataExt 5.0
    DataExtName
    DataExtValue
    OwnerID
   Desc |US,CA,UK,AU
   InventorySiteLocationRef 12.0|AU
    FullName
    ListID
   ItemGroupRef
    FullName
    ListID
   Quantity
   ServiceDate |US,CA,UK,AU
   UnitOfMeasure 7.0
  RefNumber
  SalesTaxCodeRef 6.0|US
   FullName
   ListID
  ShipAddress
   Addr1
   Addr2
   Addr3
   Addr4 2.0
   Addr5 6.0
   City
   Country
   Note 6.0
   PostalCode
   State
  ShipMethodRef
   FullName
   ListID
  ShipToEntityRef
   FullName
   ListID
  TemplateRef 3.0
   FullName
   ListID
  TermsRef
   FullName
   ListID
  TxnDate
  VendorAddress
   Addr1
   Addr2
   Addr3
   Addr4 2.0
   Addr5 6.0
   City
   Country
   Note 6.0
   PostalCode
   State
  VendorMsg
  VendorRef
   FullName
   ListID
PurchaseOrderModRq 2.1
 IncludeRetElement 4.0
 PurchaseOrderMod
  ClassRef
   FullName
   ListID
  DueDate
  EditSequence
  ExchangeRate 8.0
  ExpectedDate
  FOB
  InventorySiteRef 10.0|AU
   FullName
   ListID
  IsManuallyClosed
  IsTaxIncluded 6.0|US
  IsToBeEmailed 6.0
  IsToBePrinted
  Memo
  Other1 6.0
  Other2 6.0
  PurchaseOrderLineGroupMod
   ItemGroupRef
    FullName
    ListID
   OverrideUOMSetRef 7.0
    FullName
    ListID
   PurchaseOrderLineMod
    Amount
    ClassRef
     FullName
     ListID
    CustomerRef
     FullName
     ListID
    Desc
    InventorySiteLocationRef 12.0|AU
     FullName
     ListID
    IsManuallyClosed
    ItemRef
     FullName
     ListID
    ManufacturerPartNumber 7.0
    Other1 6.0
    Other2 6.0
    OverrideItemAccountRef
     FullName
     ListID
    OverrideUOMSetRef 7.0
     FullName
     ListID
    Quantity
    Rate
    SalesTaxCodeRef 6.0|US
     FullName
     ListID
    ServiceDate
    TaxAmount 6.1|US,CA,UK
    TxnLineID
    UnitOfMeasure 7.0
   Quantity
   TxnLineID
   UnitOfMeasure 7.0
  PurchaseOrderLineMod
   Amount
   ClassRef
    FullName
    ListID
   CustomerRef
    FullName
    ListID
   Desc
   InventorySiteLocationRef 12.0|AU
    FullName
    ListID
   IsManuallyClosed
   ItemRef
    FullName
    ListID
   ManufacturerPartNumber 7.0
   Other1 6.0
   Other2 6.0
   OverrideItemAccountRef
    FullName
    ListID
   OverrideUOMSetRef 7.0
    FullName
    ListID
   Quantity
   Rate
   SalesTaxCodeRef 6.0|US
    FullName
    ListID
   ServiceDate
   TaxAmount 6.1|US,CA,UK
   TxnLineID
   UnitOfMeasure 7.0
  RefNumber
  SalesTaxCodeRef 6.0|US
   FullName
   ListID
  ShipAddress
   Addr1
   Addr2
   Addr3
   Addr4
   Addr5 6.0
   City
   Country
   Note 6.0
   PostalCode
   State
  ShipMethodRef
   FullName
   ListID
  ShipToEntityRef
   FullName
   ListID
  TemplateRef 3.0
   FullName
   ListID
  TermsRef
   FullName
   ListID
  TxnDate
  TxnID
  VendorAddress
   Addr1
   Addr2
   Addr3
   Addr4
   Addr5 6.0
   City
   Country
   Note 6.0
   PostalCode
   State
  VendorMsg
  VendorRef
   FullName
   ListID
PurchaseOrderQueryRq
 AccountFilter
  FullName
  FullNameWithChildren
  ListID 2.0
  ListIDWithChildren 2.0
 CurrencyFilter 8.0
  FullName
  ListID
 EntityFilter
  FullName
  FullNameWithChildren
  ListID 2.0
  ListIDWithChildren 2.0
 IncludeLineItems
 IncludeLinkedTxns 3.0
 IncludeRetElement 4.0
 MaxReturned
 ModifiedDateRangeFilter
  FromModifiedDate
  ToModifiedDate
 OwnerID 2.0
 RefNumber
 RefNumberCaseSensitive 4.0
 RefNumberFilter
  MatchCriterion
  RefNumber
 RefNumberRangeFilter
  FromRefNumber
  ToRefNumber
 TxnDateRangeFilter
  DateMacro
  FromTxnDate
  ToTxnDate
 TxnID
ReceivePaymentAddRq 1.1
 IncludeRetElement 4.0
 ReceivePaymentAdd
  ARAccountRef
   FullName
   ListID
  AppliedToTxnAdd
   DiscountAccountRef
    FullName
    ListID
   DiscountAmount
   DiscountClassRef 11.0
    FullName
    ListID
   PaymentAmount
   SetCredit
    AppliedAmount
    CreditTxnID
    Override 10.0
    TxnLineID 1.1|US,CA,UK,AU
   TxnID
   TxnLineDetail 1.1|US,CA,UK,AU
    Amount
    TxnLineID
  CreditCardTxnInfo 4.1
   CreditCardTxnInputInfo
    CommercialCardCode
    CreditCardAddress
    CreditCardNumber
    CreditCardPostalCode
    CreditCardTxnType 7.0
    ExpirationMonth
    ExpirationYear
    NameOnCard
    TransactionMode 6.0
   CreditCardTxnResultInfo
    AVSStreet
    AVSZip
    AuthorizationCode
    CardSecurityCodeMatch 6.0
    ClientTransID 6.0
    CreditCardTransID
    MerchantAccountNumber
    PaymentGroupingCode
    PaymentStatus
    ReconBatchID
    ResultCode
    ResultMessage
    TxnAuthorizationStamp
    TxnAuthorizationTime
  CustomerRef
   FullName
   ListID
  DepositToAccountRef
   FullName
   ListID
  ExchangeRate 8.0
  ExternalGUID 9.0
  IsAutoApply
  Memo
  PaymentMethodRef
   FullName
   ListID
  RefNumber
  TotalAmount
  TxnDate
ReceivePaymentModRq 6.0
 IncludeRetElement
 ReceivePaymentMod
  ARAccountRef
   FullName
   ListID
  AppliedToTxnMod
   DiscountAccountRef
    FullName
    ListID
   DiscountAmount
   DiscountClassRef 11.0
    FullName
    ListID
   PaymentAmount
   SetCredit
    AppliedAmount
    CreditTxnID
    Override 10.0
    TxnLineID 6.0|US,CA,UK,AU
   TxnID
  CreditCardTxnInfoMod 7.0
   CreditCardTxnInputInfoMod
    CommercialCardCode
    CreditCardAddress
    CreditCardNumber
    CreditCardPostalCode
    CreditCardTxnType
    ExpirationMonth
    ExpirationYear
    NameOnCard
    TransactionMode
   CreditCardTxnResultInfoMod
    AVSStreet
    AVSZip
    AuthorizationCode
    CardSecurityCodeMatch
    ClientTransID
    CreditCardTransID
    MerchantAccountNumber
    PaymentGroupingCode
    PaymentStatus
    ReconBatchID
    ResultCode
    ResultMessage
    TxnAuthorizationStamp
    TxnAuthorizationTime
  CustomerRef
   FullName
   ListID
  DepositToAccountRef
   FullName
   ListID
  EditSequence
  ExchangeRate 8.0
  Memo
  PaymentMethodRef
   FullName
   ListID
  RefNumber
  TotalAmount
  TxnDate
  TxnID
ReceivePaymentQueryRq 1.1
 AccountFilter
  FullName
  FullNameWithChildren
  ListID 2.0
  ListIDWithChildren 2.0
 CurrencyFilter 8.0
  FullName
  ListID
 EntityFilter
  FullName
  FullNameWithChildren
  ListID 2.0
  ListIDWithChildren 2.0
 IncludeLineItems
 IncludeRetElement 4.0
 MaxReturned
 ModifiedDateRangeFilter
  FromModifiedDate
  ToModifiedDate
 OwnerID 2.0
 RefNumber
 RefNumberCaseSensitive 4.0
 RefNumberFilter
  MatchCriterion
  RefNumber
 RefNumberRangeFilter
  FromRefNumber
  ToRefNumber
 TxnDateRangeFilter
  DateMacro
  FromTxnDate
  ToTxnDate
 TxnID
ReceivePaymentToDepositQueryRq 2.0
 IncludeRetElement 4.0
SalesOrderAddRq 2.1
 IncludeRetElement 4.0
 SalesOrderAdd
  BillAddress
   Addr1
   Addr2
   Addr3
   Addr4
   Addr5 6.0
   City
   Country
   Note 6.0
   PostalCode
   State
  ClassRef
   FullName
   ListID
  CustomerMsgRef
   FullName
   ListID
  CustomerRef
   FullName
   ListID
  CustomerSalesTaxCodeRef
   FullName
   ListID
  DueDate
  ExchangeRate 8.0
  ExternalGUID 9.0
  FOB
  IsManuallyClosed
  IsTaxIncluded 6.0|US
  IsToBeEmailed 6.0
  IsToBePrinted
  ItemSalesTaxRef
   FullName
   ListID
  Memo
  Other 6.0
  PONumber
  RefNumber
  SalesOrderLineAdd
   Amount
   ClassRef
    FullName
    ListID
   DataExt 5.0
    DataExtName
    DataExtValue
    OwnerID
   Desc
   InventorySiteLocationRef 12.0|AU
    FullName
    ListID
   InventorySiteRef 10.0|AU
    FullName
    ListID
   IsManuallyClosed
   ItemRef
    FullName
    ListID
   LotNumber 11.0|AU
   OptionForPriceRuleConflict 13.0
   Other1 6.0
   Other2 6.0
   PriceLevelRef 4.0
    FullName
    ListID
   Quantity
   Rate
   RatePercent
   SalesTaxCodeRef
    FullName
    ListID
   SerialNumber 11.0|AU
   TaxAmount 6.1|US,CA,UK
   UnitOfMeasure 7.0
  SalesOrderLineGroupAdd
   DataExt 5.0
    DataExtName
    DataExtValue
    OwnerID
   Desc 2.1|US,CA,UK,AU
   InventorySiteLocationRef 12.0|AU
    FullName
    ListID
   InventorySiteRef 10.0|AU
    FullName
    ListID
   ItemGroupRef
    FullName
    ListID
   Quantity
   UnitOfMeasure 7.0
  SalesRepRef
   FullName
   ListID
  ShipAddress
   Addr1
   Addr2
   Addr3
   Addr4
   Addr5 6.0
   City
   Country
   Note 6.0
   PostalCode
   State
  ShipDate
  ShipMethodRef
   FullName
   ListID
  TemplateRef 3.0
   FullName
   ListID
  TermsRef
   FullName
   ListID
  TxnDate
SalesOrderModRq 3.0
 IncludeRetElement 4.0
 SalesOrderMod
  BillAddress
   Addr1
   Addr2
   Addr3
   Addr4
   Addr5 6.0
   City
   Country
   Note 6.0
   PostalCode
   State
  ClassRef
   FullName
   ListID
  CustomerMsgRef
   FullName
   ListID
  CustomerRef
   FullName
   ListID
  CustomerSalesTaxCodeRef
   FullName
   ListID
  DueDate
  EditSequence
  ExchangeRate 8.0
  FOB
  IsManuallyClosed
  IsTaxIncluded 6.0|US
  IsToBeEmailed 6.0
  IsToBePrinted
  ItemSalesTaxRef
   FullName
   ListID
  Memo
  Other 6.0
  PONumber
  RefNumber
  SalesOrderLineGroupMod
   ItemGroupRef
    FullName
    ListID
   OverrideUOMSetRef 7.0
    FullName
    ListID
   Quantity
   SalesOrderLineMod
    Amount
    ClassRef
     FullName
     ListID
    Desc
    InventorySiteLocationRef 12.0|AU
     FullName
     ListID
    InventorySiteRef 10.0|AU
     FullName
     ListID
    IsManuallyClosed
    ItemRef
     FullName
     ListID
    LotNumber 11.0|AU
    OptionForPriceRuleConflict 13.0
    Other1 6.0
    Other2 6.0
    OverrideUOMSetRef 7.0
     FullName
     ListID
    PriceLevelRef 4.0
     FullName
     ListID
    Quantity
    Rate
    RatePercent
    SalesTaxCodeRef
     FullName
     ListID
    SerialNumber 11.0|AU
    TaxAmount 6.1|US,CA,UK
    TxnLineID
    UnitOfMeasure 7.0
   TxnLineID
   UnitOfMeasure 7.0
  SalesOrderLineMod
   Amount
   ClassRef
    FullName
    ListID
   Desc
   InventorySiteLocationRef 12.0|AU
    FullName
    ListID
   InventorySiteRef 10.0|AU
    FullName
    ListID
   IsManuallyClosed
   ItemRef
    FullName
    ListID
   LotNumber 11.0|AU
   OptionForPriceRuleConflict 13.0
   Other1 6.0
   Other2 6.0
   OverrideUOMSetRef 7.0
    FullName
    ListID
   PriceLevelRef 4.0
    FullName
    ListID
   Quantity
   Rate
   RatePercent
   SalesTaxCodeRef
    FullName
    ListID
   SerialNumber 11.0|AU
   TaxAmount 6.1|US,CA,UK
   TxnLineID
   UnitOfMeasure 7.0
  SalesRepRef
   FullName
   ListID
  ShipAddress
   Addr1
   Addr2
   Addr3
   Addr4
   Addr5 6.0
   City
   Country
   Note 6.0
   PostalCode
   State
  ShipDate
  ShipMethodRef
   FullName
   ListID
  TemplateRef
   FullName
   ListID
  TermsRef
   FullName
   ListID
  TxnDate
  TxnID
SalesOrderQueryRq 2.1
 CurrencyFilter 8.0
  FullName
  ListID
 EntityFilter
  FullName
  FullNameWithChildren
  ListID
  ListIDWithChildren
 IncludeLineItems
 IncludeLinkedTxns
 IncludeRetElement 4.0
 MaxReturned
 ModifiedDateRangeFilter
  FromModifiedDate
  ToModifiedDate
 OwnerID
 RefNumber
 RefNumberCaseSensitive 4.0
 RefNumberFilter
  MatchCriterion
  RefNumber
 RefNumberRangeFilter
  FromRefNumber
  ToRefNumber
 TxnDateRangeFilter
  DateMacro
  FromTxnDate
  ToTxnDate
 TxnID
SalesReceiptAddRq
 IncludeRetElement 4.0
 SalesReceiptAdd
  BillAddress
   Addr1
   Addr2
   Addr3
   Addr4 2.0
   Addr5 6.0
   City
   Country
   Note 6.0
   PostalCode
   State
  CheckNumber
  ClassRef
   FullName
   ListID
  CreditCardTxnInfo 4.1
   CreditCardTxnInputInfo
    CommercialCardCode
    CreditCardAddress
    CreditCardNumber
    CreditCardPostalCode
    CreditCardTxnType 7.0
    ExpirationMonth
    ExpirationYear
    NameOnCard
    TransactionMode 6.0
   CreditCardTxnResultInfo
    AVSStreet
    AVSZip
    AuthorizationCode
    CardSecurityCodeMatch 6.0
    ClientTransID 6.0
    CreditCardTransID
    MerchantAccountNumber
    PaymentGroupingCode
    PaymentStatus
    ReconBatchID
    ResultCode
    ResultMessage
    TxnAuthorizationStamp
    TxnAuthorizationTime
  CustomerMsgRef
   FullName
   ListID
  CustomerRef
   FullName
   ListID
  CustomerSalesTaxCodeRef
   FullName
   ListID
  DepositToAccountRef
   FullName
   ListID
  DiscountLineAdd 4.0|US,CA,UK,AU
   AccountRef
    FullName
    ListID
   Amount
   IsTaxable
   RatePercent
  DueDate
  ExchangeRate 8.0
  ExternalGUID 9.0
  FOB
  IsPending
  IsTaxIncluded 6.0|US
  IsToBeEmailed 6.0
  IsToBePrinted
  ItemSalesTaxRef
   FullName
   ListID
  Memo
  Other 6.0
  PaymentMethodRef
   FullName
   ListID
  RefNumber
  SalesReceiptLineAdd
   Amount
   ClassRef
    FullName
    ListID
   CreditCardTxnInfo 7.0
    CreditCardTxnInputInfo
     CommercialCardCode
     CreditCardAddress
     CreditCardNumber
     CreditCardPostalCode
     CreditCardTxnType
     ExpirationMonth
     ExpirationYear
     NameOnCard
     TransactionMode
    CreditCardTxnResultInfo
     AVSStreet
     AVSZip
     AuthorizationCode
     CardSecurityCodeMatch
     ClientTransID
     CreditCardTransID
     MerchantAccountNumber
     PaymentGroupingCode
     PaymentStatus
     ReconBatchID
     ResultCode
     ResultMessage
     TxnAuthorizationStamp
     TxnAuthorizationTime
   DataExt 5.0
    DataExtName
    DataExtValue
    OwnerID
   Desc
   InventorySiteLocationRef 12.0|AU
    FullName
    ListID
   InventorySiteRef 10.0|AU
    FullName
    ListID
   IsTaxable 4.0|US,CA,UK,AU
   ItemRef
    FullName
    ListID
   LotNumber 11.0|AU
   OptionForPriceRuleConflict 13.0
   Other1 6.0
   Other2 6.0
   OverrideItemAccountRef 2.0
    FullName
    ListID
   PriceLevelRef 4.0
    FullName
    ListID
   Quantity
   Rate
   RatePercent
   SalesTaxCodeRef
    FullName
    ListID
   SerialNumber 11.0|AU
   ServiceDate
   TaxAmount 6.1|US,CA,UK
   UnitOfMeasure 7.0
  SalesReceiptLineGroupAdd
   DataExt 5.0
    DataExtName
    DataExtValue
    OwnerID
   Desc |US,CA,UK,AU
   InventorySiteLocationRef 12.0|AU
    FullName
    ListID
   InventorySiteRef 10.0|AU
    FullName
    ListID
   ItemGroupRef
    FullName
    ListID
   Quantity
   ServiceDate |US,CA,UK,AU
   UnitOfMeasure 7.0
  SalesRepRef
   FullName
   ListID
  SalesTaxLineAdd 4.0|US,CA,UK,AU
   AccountRef
    FullName
    ListID
   Amount
   RatePercent
  ShipAddress
   Addr1
   Addr2
   Addr3
   Addr4 2.0
   Addr5 6.0
   City
   Country
   Note 6.0
   PostalCode
   State
  ShipDate
  ShipMethodRef
   FullName
   ListID
  ShippingLineAdd 4.0|US,CA,UK,AU
   AccountRef
    FullName
    ListID
   Amount
  TemplateRef 3.0
   FullName
   ListID
  TxnDate
SalesReceiptModRq 5.0
 IncludeRetElement
 SalesReceiptMod
  BillAddress
   Addr1
   Addr2
   Addr3
   Addr4
   Addr5 6.0
   City
   Country
   Note 6.0
   PostalCode
   State
  CheckNumber
  ClassRef
   FullName
   ListID
  CustomerMsgRef
   FullName
   ListID
  CustomerRef
   FullName
   ListID
  CustomerSalesTaxCodeRef
   FullName
   ListID
  DepositToAccountRef
   FullName
   ListID
  DueDate
  EditSequence
  ExchangeRate 8.0
  FOB
  IsPending
  IsTaxIncluded 6.0|US
  IsToBeEmailed 6.0
  IsToBePrinted
  ItemSalesTaxRef
   FullName
   ListID
  Memo
  Other 6.0
  PaymentMethodRef
   FullName
   ListID
  RefNumber
  SalesReceiptLineGroupMod
   ItemGroupRef
    FullName
    ListID
   OverrideUOMSetRef 7.0
    FullName
    ListID
   Quantity
   SalesReceiptLineMod
    Amount
    ClassRef
     FullName
     ListID
    Desc
    InventorySiteLocationRef 12.0|AU
     FullName
     ListID
    InventorySiteRef 10.0|AU
     FullName
     ListID
    ItemRef
     FullName
     ListID
    LotNumber 11.0|AU
    OptionForPriceRuleConflict 13.0
    Other1 6.0
    Other2 6.0
    OverrideItemAccountRef
     FullName
     ListID
    OverrideUOMSetRef 7.0
     FullName
     ListID
    PriceLevelRef
     FullName
     ListID
    Quantity
    Rate
    RatePercent
    SalesTaxCodeRef
     FullName
     ListID
    SerialNumber 11.0|AU
    ServiceDate
    TaxAmount 6.1|US,CA,UK
    TxnLineID
    UnitOfMeasure 7.0
   TxnLineID
   UnitOfMeasure 7.0
  SalesReceiptLineMod
   Amount
   ClassRef
    FullName
    ListID
   Desc
   InventorySiteLocationRef 12.0|AU
    FullName
    ListID
   InventorySiteRef 10.0|AU
    FullName
    ListID
   ItemRef
    FullName
    ListID
   LotNumber 11.0|AU
   OptionForPriceRuleConflict 13.0
   Other1 6.0
   Other2 6.0
   OverrideItemAccountRef
    FullName
    ListID
   OverrideUOMSetRef 7.0
    FullName
    ListID
   PriceLevelRef
    FullName
    ListID
   Quantity
   Rate
   RatePercent
   SalesTaxCodeRef
    FullName
    ListID
   SerialNumber 11.0|AU
   ServiceDate
   TaxAmount 6.1|US,CA,UK
   TxnLineID
   UnitOfMeasure 7.0
  SalesRepRef
   FullName
   ListID
  ShipAddress
   Addr1
   Addr2
   Addr3
   Addr4
   Addr5 6.0
   City
   Country
   Note 6.0
   PostalCode
   State
  ShipDate
  ShipMethodRef
   FullName
   ListID
  TemplateRef
   FullName
   ListID
  TxnDate
  TxnID
SalesReceiptQueryRq
 AccountFilter
  FullName
  FullNameWithChildren
  ListID 2.0
  ListIDWithChildren 2.0
 CurrencyFilter 8.0
  FullName
  ListID
 EntityFilter
  FullName
  FullNameWithChildren
  ListID 2.0
  ListIDWithChildren 2.0
 IncludeLineItems
 IncludeRetElement 4.0
 MaxReturned
 ModifiedDateRangeFilter
  FromModifiedDate
  ToModifiedDate
 OwnerID 2.0
 RefNumber
 RefNumberCaseSensitive 4.0
 RefNumberFilter
  MatchCriterion
  RefNumber
 RefNumberRangeFilter
  FromRefNumber
  ToRefNumber
 TxnDateRangeFilter
  DateMacro
  FromTxnDate
  ToTxnDate
 TxnID
SalesRepAddRq
 IncludeRetElement 4.0
 SalesRepAdd
  Initial
  IsActive
  SalesRepEntityRef
   FullName
   ListID
SalesRepModRq 3.0
 IncludeRetElement 4.0
 SalesRepMod
  EditSequence
  Initial
  IsActive
  ListID
  SalesRepEntityRef
   FullName
   ListID
SalesRepQueryRq
 ActiveStatus
 FromModifiedDate
 FullName
 IncludeRetElement 4.0
 ListID
 MaxReturned
 NameFilter
  MatchCriterion
  Name
 NameRangeFilter
  FromName
  ToName
 ToModifiedDate
SalesTaxCodeAddRq
 IncludeRetElement 4.0
 SalesTaxCodeAdd
  Desc
  IsActive
  IsTaxable
  ItemPurchaseTaxRef 6.0|US
   FullName
   ListID
  ItemSalesTaxRef 6.0|US
   FullName
   ListID
  Name
SalesTaxCodeModRq 8.0
 IncludeRetElement
 SalesTaxCodeMod
  Desc
  EditSequence
  IsActive
  IsTaxable
  ItemPurchaseTaxRef 8.0|US
   FullName
   ListID
  ItemSalesTaxRef 8.0|US
   FullName
   ListID
  ListID
  Name
SalesTaxCodeQueryRq
 ActiveStatus
 FromModifiedDate
 FullName
 IncludeRetElement 4.0
 ListID
 MaxReturned
 NameFilter
  MatchCriterion
  Name
 NameRangeFilter
  FromName
  ToName
 ToModifiedDate
SalesTaxPayableQueryRq 9.0|CA,UK
 AsOfDate
 IncludeRetElement
SalesTaxPaymentCheckAddRq 9.0|CA,UK
 IncludeRetElement
 SalesTaxPaymentCheckAdd
  Address 12.0|CA,UK
   Addr1
   Addr2
   Addr3
   Addr4
   Addr5
   City
   Country
   Note
   PostalCode
   State
  BankAccountRef
   FullName
   ListID
  ExternalGUID
  IsToBePrinted
  Memo 12.0|CA,UK
  PayeeEntityRef
   FullName
   ListID
  RefNumber
  SalesTaxPaymentCheckLineAdd
   Amount
   ItemSalesTaxRef
    FullName
    ListID
  TxnDate
SalesTaxPaymentCheckModRq 9.0|CA,UK
 IncludeRetElement
 SalesTaxPaymentCheckMod
  Address
   Addr1
   Addr2
   Addr3
   Addr4
   Addr5
   City
   Country
   Note
   PostalCode
   State
  BankAccountRef
   FullName
   ListID
  EditSequence
  IsToBePrinted
  Memo
  RefNumber
  TxnDate
  TxnID
SalesTaxPaymentCheckQueryRq 2.0|CA,UK
 AccountFilter
  FullName
  FullNameWithChildren
  ListID
  ListIDWithChildren
 EntityFilter
  FullName
  FullNameWithChildren
  ListID
  ListIDWithChildren
 IncludeLineItems
 IncludeRetElement 4.0|CA,UK
 ItemFilter
  FullName
  FullNameWithChildren
  ListID
  ListIDWithChildren
 MaxReturned
 ModifiedDateRangeFilter
  FromModifiedDate
  ToModifiedDate
 OwnerID
 RefNumber
 RefNumberCaseSensitive 4.0|CA,UK
 RefNumberFilter
  MatchCriterion
  RefNumber
 RefNumberRangeFilter
  FromRefNumber
  ToRefNumber
 TxnDateRangeFilter
  DateMacro
  FromTxnDate
  ToTxnDate
 TxnID
SalesTaxReturnLineQueryRq 8.0|US
 TaxAgencyVendorRef
  FullName
  ListID
SalesTaxReturnQueryRq 8.0|US
ShipMethodAddRq
 IncludeRetElement 4.0
 ShipMethodAdd
  IsActive
  Name
ShipMethodQueryRq
 ActiveStatus
 FromModifiedDate
 FullName
 IncludeRetElement 4.0
 ListID
 MaxReturned
 NameFilter
  MatchCriterion
  Name
 NameRangeFilter
  FromName
  ToName
 ToModifiedDate
SpecialAccountAddRq 6.0
 IncludeRetElement
 SpecialAccountAdd
  CurrencyRef 8.0
   FullName
   ListID
  SpecialAccountType
SpecialItemAddRq 6.0
 IncludeRetElement
 SpecialItemAdd
  BarCode 12.0|AU
   AllowOverride
   AssignEvenIfUsed
   BarCodeValue
  ExternalGUID 8.0
  SpecialItemType
StandardTermsAddRq
 IncludeRetElement 4.0
 StandardTermsAdd
  DiscountPct
  IsActive
  Name
  StdDiscountDays
  StdDueDays
StandardTermsQueryRq
 ActiveStatus
 FromModifiedDate
 FullName
 IncludeRetElement 4.0
 ListID
 MaxReturned
 NameFilter
  MatchCriterion
  Name
 NameRangeFilter
  FromName
  ToName
 ToModifiedDate
TemplateQueryRq 3.0
 IncludeRetElement 4.0
TermsQueryRq
 ActiveStatus
 FromModifiedDate
 FullName
 IncludeRetElement 4.0
 ListID
 MaxReturned
 NameFilter
  MatchCriterion
  Name
 NameRangeFilter
  FromName
  ToName
 ToModifiedDate
TimeReportQueryRq 2.0
 DisplayReport 3.0
 IncludeColumn 12.0
 IncludeSubcolumns
 ReportCalendar
 ReportClassFilter 2.1
  FullName
  FullNameWithChildren
  ListID
  ListIDWithChildren
 ReportDateMacro
 ReportEntityFilter
  EntityTypeFilter
  FullName
  FullNameWithChildren
  ListID
  ListIDWithChildren
 ReportItemFilter
  FullName
  FullNameWithChildren
  ItemTypeFilter
  ListID
  ListIDWithChildren
 ReportPeriod
  FromReportDate
  ToReportDate
 ReturnColumns
 ReturnRows
 SummarizeColumnsBy
 TimeReportType
TimeTrackingAddRq
 IncludeRetElement 4.0
 TimeTrackingAdd
  BillableStatus 6.0
  ClassRef
   FullName
   ListID
  CustomerRef
   FullName
   ListID
  Duration
  EntityRef
   FullName
   ListID
  ExternalGUID 9.0
  ItemServiceRef
   FullName
   ListID
  Notes
  PayrollItemWageRef
   FullName
   ListID
  Rate |US,CA,UK,AU
  TxnDate
TimeTrackingModRq 6.0
 IncludeRetElement
 TimeTrackingMod
  BillableStatus
  ClassRef
   FullName
   ListID
  CustomerRef
   FullName
   ListID
  Duration
  EditSequence
  EntityRef
   FullName
   ListID
  ItemServiceRef
   FullName
   ListID
  Notes
  PayrollItemWageRef
   FullName
   ListID
  Rate 6.0|US,CA,UK,AU
  TxnDate
  TxnID
TimeTrackingQueryRq
 IncludeRetElement 4.0
 MaxReturned
 ModifiedDateRangeFilter
  FromModifiedDate
  ToModifiedDate
 TimeTrackingEntityFilter
  FullName
  ListID
 TxnDateRangeFilter
  DateMacro
  FromTxnDate
  ToTxnDate
 TxnID
ToDoAddRq
 IncludeRetElement 4.0
 ToDoAdd
  CustomerRef 13.0
   FullName
   ListID
  EmployeeRef 13.0
   FullName
   ListID
  IsActive
  IsDone
  LeadRef 13.0
   FullName
   ListID
  Notes
  Priority 13.0
  ReminderDate
  ReminderTime 13.0
  Type 13.0
  VendorRef 13.0
   FullName
   ListID
ToDoModRq 9.0
 IncludeRetElement
 ToDoMod
  CustomerRef 13.0
   FullName
   ListID
  EditSequence
  EmployeeRef 13.0
   FullName
   ListID
  IsActive
  IsDone
  LeadRef 13.0
   FullName
   ListID
  ListID
  Notes
  Priority 13.0
  ReminderDate
  ReminderTime 13.0
  Type 13.0
  VendorRef 13.0
   FullName
   ListID
ToDoQueryRq
 ActiveStatus
 DoneStatus
 FromModifiedDate
 IncludeRetElement 4.0
 ListID
 MaxReturned
 NameFilter
  MatchCriterion
  Name
 NameRangeFilter
  FromName
  ToName
 ToModifiedDate
TransactionQueryRq 4.0
 CurrencyFilter 8.0
  FullName
  ListID
 IncludeRetElement
 MaxReturned
 RefNumber
 RefNumberCaseSensitive
 RefNumberFilter
  MatchCriterion
  RefNumber
 RefNumberRangeFilter
  FromRefNumber
  ToRefNumber
 TransactionAccountFilter
  AccountTypeFilter
  FullName
  FullNameWithChildren
  ListID
  ListIDWithChildren
 TransactionClassFilter
  FullName
  FullNameWithChildren
  ListID
  ListIDWithChildren
 TransactionDateRangeFilter
  DateMacro
  FromTxnDate
  ToTxnDate
 TransactionDetailLevelFilter
 TransactionEntityFilter
  EntityTypeFilter
  FullName
  FullNameWithChildren
  ListID
  ListIDWithChildren
 TransactionItemFilter
  FullName
  FullNameWithChildren
  ItemTypeFilter
  ListID
  ListIDWithChildren
 TransactionModifiedDateRangeFilter
  DateMacro
  FromModifiedDate
  ToModifiedDate
 TransactionPaidStatusFilter
 TransactionPostingStatusFilter
 TransactionTypeFilter
  TxnTypeFilter
 TxnID
TransferAddRq 12.0
 IncludeRetElement
 TransferAdd
  Amount
  ClassRef
   FullName
   ListID
  Memo
  TransferFromAccountRef
   FullName
   ListID
  TransferToAccountRef
   FullName
   ListID
  TxnDate
TransferInventoryAddRq 10.0|AU
 IncludeRetElement
 TransferInventoryAdd
  ExternalGUID
  FromInventorySiteRef
   FullName
   ListID
  Memo
  RefNumber
  ToInventorySiteRef
   FullName
   ListID
  TransferInventoryLineAdd
   FromInventorySiteLocationRef 12.0|AU
    FullName
    ListID
   ItemRef
    FullName
    ListID
   LotNumber 11.0|AU
   QuantityToTransfer
   SerialNumber 11.0|AU
   ToInventorySiteLocationRef 12.0|AU
    FullName
    ListID
  TxnDate
TransferInventoryModRq 10.0|AU
 IncludeRetElement
 TransferInventoryMod
  EditSequence
  FromInventorySiteRef
   FullName
   ListID
  Memo
  RefNumber
  ToInventorySiteRef
   FullName
   ListID
  TransferInventoryLineMod
   FromInventorySiteLocationRef 12.0|AU
    FullName
    ListID
   ItemRef
    FullName
    ListID
   LotNumber 11.0|AU
   QuantityToTransfer
   SerialNumber 11.0|AU
   ToInventorySiteLocationRef 12.0|AU
    FullName
    ListID
   TxnLineID
  TxnDate
  TxnID
TransferInventoryQueryRq 10.0|AU
 AccountFilter
  FullName
  FullNameWithChildren
  ListID
  ListIDWithChildren
 EntityFilter
  FullName
  FullNameWithChildren
  ListID
  ListIDWithChildren
 IncludeLineItems
 IncludeRetElement
 MaxReturned
 ModifiedDateRangeFilter
  FromModifiedDate
  ToModifiedDate
 RefNumber
 RefNumberCaseSensitive
 RefNumberFilter
  MatchCriterion
  RefNumber
 RefNumberRangeFilter
  FromRefNumber
  ToRefNumber
 SiteFilter
  FullName
  ListID
 TxnDateRangeFilter
  DateMacro
  FromTxnDate
  ToTxnDate
 TxnID
TransferModRq 12.0
 IncludeRetElement
 TransferMod
  Amount
  ClassRef
   FullName
   ListID
  EditSequence
  Memo
  TransferFromAccountRef
   FullName
   ListID
  TransferToAccountRef
   FullName
   ListID
  TxnDate
  TxnID
TransferQueryRq 12.0
 IncludeRetElement
 MaxReturned
 ModifiedDateRangeFilter
  FromModifiedDate
  ToModifiedDate
 TxnDateRangeFilter
  DateMacro
  FromTxnDate
  ToTxnDate
 TxnID
TxnDelRq 1.1
 TxnDelType
 TxnID
TxnDeletedQueryRq 2.0
 DeletedDateRangeFilter
  FromDeletedDate
  ToDeletedDate
 IncludeRetElement 4.0
 TxnDelType
TxnDisplayAddRq 3.0
 EntityRef 4.0
  FullName
  ListID
 TxnDisplayAddType
TxnDisplayModRq 3.0
 TxnDisplayModType
 TxnID
TxnVoidRq 1.1
 TxnID
 TxnVoidType
UnitOfMeasureSetAddRq 7.0
 IncludeRetElement
 UnitOfMeasureSetAdd
  BaseUnit
   Abbreviation
   Name
  DefaultUnit
   Unit
   UnitUsedFor
  IsActive
  Name
  RelatedUnit
   Abbreviation
   ConversionRatio
   Name
  UnitOfMeasureType
UnitOfMeasureSetQueryRq 7.0
 ActiveStatus
 FromModifiedDate
 FullName
 IncludeRetElement
 ListID
 MaxReturned
 NameFilter
  MatchCriterion
  Name
 NameRangeFilter
  FromName
  ToName
 ToModifiedDate
VehicleAddRq 6.0
 IncludeRetElement
 VehicleAdd
  Desc
  IsActive
  Name
VehicleMileageAddRq 6.0
 IncludeRetElement
 VehicleMileageAdd
  BillableStatus
  ClassRef
   FullName
   ListID
  CustomerRef
   FullName
   ListID
  ItemRef
   FullName
   ListID
  Notes
  OdometerEnd
  OdometerStart
  TotalMiles
  TripEndDate
  TripStartDate
  VehicleRef
   FullName
   ListID
VehicleMileageQueryRq 6.0
 IncludeRetElement
 MaxReturned
 ModifiedDateRangeFilter
  FromModifiedDate
  ToModifiedDate
 TxnDateRangeFilter
  DateMacro
  FromTxnDate
  ToTxnDate
 TxnID
VehicleModRq 6.0
 IncludeRetElement
 VehicleMod
  Desc
  EditSequence
  IsActive
  ListID
  Name
VehicleQueryRq 6.0
 ActiveStatus
 FromModifiedDate
 FullName
 IncludeRetElement
 ListID
 MaxReturned
 NameFilter
  MatchCriterion
  Name
 NameRangeFilter
  FromName
  ToName
 ToModifiedDate
VendorAddRq
 IncludeRetElement 4.0
 VendorAdd
  AccountNumber
  AdditionalContactRef 12.0
   ContactName
   ContactValue
  AdditionalNotes 12.0
   Note
  AltContact
  AltPhone
  BillingRateRef 6.0
   FullName
   ListID
  Cc 12.0
  ClassRef 12.0
   FullName
   ListID
  CompanyName
  Contact
  Contacts 12.0
   AdditionalContactRef
    ContactName
    ContactValue
   FirstName
   JobTitle
   LastName
   MiddleName
   Salutation
  CreditLimit
  CurrencyRef 8.0
   FullName
   ListID
  Email
  ExternalGUID 8.0
  Fax
  FirstName
  IsActive
  IsSalesTaxAgency 8.0|US
  IsTaxOnTax 8.0|US
  IsTaxTrackedOnPurchases 8.0|US
  IsTaxTrackedOnSales 8.0|US
  IsVendorEligibleFor1099 |CA,UK
  JobTitle 12.0
  LastName
  MiddleName
  Mobile |US,CA,UK,AU
  Name
  NameOnCheck
  Notes 3.0
  OpenBalance
  OpenBalanceDate
  Pager |US,CA,UK,AU
  Phone
  PrefillAccountRef 8.0
   FullName
   ListID
  ReportingPeriod 8.0|US
  SalesTaxCodeRef 8.0|US
   FullName
   ListID
  SalesTaxCountry 8.0|US
  SalesTaxReturnRef 8.0|US
   FullName
   ListID
  Salutation
  ShipAddress 11.0
   Addr1
   Addr2
   Addr3
   Addr4
   Addr5
   City
   Country
   Note
   PostalCode
   State
  Suffix |US,CA,UK,AU
  TaxOnPurchasesAccountRef 8.0|US
   FullName
   ListID
  TaxOnSalesAccountRef 8.0|US
   FullName
   ListID
  TaxRegistrationNumber 8.0|US
  TermsRef
   FullName
   ListID
  VendorAddress
   Addr1
   Addr2
   Addr3
   Addr4 2.0
   Addr5 6.0
   City
   Country
   Note 6.0
   PostalCode
   State
  VendorTaxIdent
  VendorTypeRef
   FullName
   ListID
VendorCreditAddRq
 IncludeRetElement 4.0
 VendorCreditAdd
  APAccountRef 2.0
   FullName
   ListID
  ExchangeRate 8.0
  ExpenseLineAdd
   AccountRef
    FullName
    ListID
   Amount
   BillableStatus 2.0
   ClassRef
    FullName
    ListID
   CustomerRef
    FullName
    ListID
   DataExt 13.0
    DataExtName
    DataExtValue
    OwnerID
   Memo
   SalesRepRef 13.0
    FullName
    ListID
   SalesTaxCodeRef 6.0|US
    FullName
    ListID
   TaxAmount 6.1|US,CA,UK
  ExternalGUID 9.0
  IsTaxIncluded 8.0|US
  ItemGroupLineAdd
   DataExt 13.0
    DataExtName
    DataExtValue
    OwnerID
   Desc |US,CA,UK,AU
   InventorySiteLocationRef 12.0|AU
    FullName
    ListID
   InventorySiteRef 10.0|AU
    FullName
    ListID
   ItemGroupRef
    FullName
    ListID
   Quantity
   UnitOfMeasure 7.0
  ItemLineAdd
   Amount
   BillableStatus 2.0
   ClassRef
    FullName
    ListID
   Cost
   CustomerRef
    FullName
    ListID
   DataExt 13.0
    DataExtName
    DataExtValue
    OwnerID
   Desc
   InventorySiteLocationRef 12.0|AU
    FullName
    ListID
   InventorySiteRef 10.0|AU
    FullName
    ListID
   ItemRef
    FullName
    ListID
   LinkToTxn 4.0|US,CA,UK,AU
    TxnID
    TxnLineID
   LotNumber 11.0|AU
   OverrideItemAccountRef 2.0
    FullName
    ListID
   Quantity
   SalesRepRef 13.0
    FullName
    ListID
   SalesTaxCodeRef 6.0|US
    FullName
    ListID
   SerialNumber 11.0|AU
   TaxAmount 6.1|US,CA,UK
   UnitOfMeasure 7.0
  Memo
  RefNumber
  SalesTaxCodeRef 8.0|US
   FullName
   ListID
  TxnDate
  VendorRef
   FullName
   ListID
VendorCreditModRq 8.0
 IncludeRetElement
 VendorCreditMod
  APAccountRef
   FullName
   ListID
  ClearExpenseLines
  ClearItemLines
  EditSequence
  ExchangeRate
  ExpenseLineMod
   AccountRef
    FullName
    ListID
   Amount
   BillableStatus
   ClassRef
    FullName
    ListID
   CustomerRef
    FullName
    ListID
   Memo
   SalesRepRef 13.0
    FullName
    ListID
   SalesTaxCodeRef 8.0|US
    FullName
    ListID
   TaxAmount 8.0|US,CA,UK
   TxnLineID
  IsTaxIncluded 8.0|US
  ItemGroupLineMod
   ItemGroupRef
    FullName
    ListID
   ItemLineMod
    Amount
    BillableStatus
    ClassRef
     FullName
     ListID
    Cost
    CustomerRef
     FullName
     ListID
    Desc
    InventorySiteLocationRef 12.0|AU
     FullName
     ListID
    InventorySiteRef 10.0|AU
     FullName
     ListID
    ItemRef
     FullName
     ListID
    LotNumber 11.0|AU
    OverrideItemAccountRef
     FullName
     ListID
    OverrideUOMSetRef
     FullName
     ListID
    Quantity
    SalesRepRef 13.0
     FullName
     ListID
    SalesTaxCodeRef 8.0|US
     FullName
     ListID
    SerialNumber 11.0|AU
    TaxAmount 8.0|US,CA,UK
    TxnLineID
    UnitOfMeasure
   OverrideUOMSetRef
    FullName
    ListID
   Quantity
   TxnLineID
   UnitOfMeasure
  ItemLineMod
   Amount
   BillableStatus
   ClassRef
    FullName
    ListID
   Cost
   CustomerRef
    FullName
    ListID
   Desc
   InventorySiteLocationRef 12.0|AU
    FullName
    ListID
   InventorySiteRef 10.0|AU
    FullName
    ListID
   ItemRef
    FullName
    ListID
   LotNumber 11.0|AU
   OverrideItemAccountRef
    FullName
    ListID
   OverrideUOMSetRef
    FullName
    ListID
   Quantity
   SalesRepRef 13.0
    FullName
    ListID
   SalesTaxCodeRef 8.0|US
    FullName
    ListID
   SerialNumber 11.0|AU
   TaxAmount 8.0|US,CA,UK
   TxnLineID
   UnitOfMeasure
  Memo
  RefNumber
  SalesTaxCodeRef 8.0|US
   FullName
   ListID
  TxnDate
  TxnID
  VendorRef
   FullName
   ListID
VendorCreditQueryRq
 AccountFilter
  FullName
  FullNameWithChildren
  ListID 2.0
  ListIDWithChildren 2.0
 CurrencyFilter 8.0
  FullName
  ListID
 EntityFilter
  FullName
  FullNameWithChildren
  ListID 2.0
  ListIDWithChildren 2.0
 IncludeLineItems
 IncludeLinkedTxns 2.0
 IncludeRetElement 4.0
 MaxReturned
 ModifiedDateRangeFilter
  FromModifiedDate
  ToModifiedDate
 OwnerID 2.0
 RefNumber
 RefNumberCaseSensitive 4.0
 RefNumberFilter
  MatchCriterion
  RefNumber
 RefNumberRangeFilter
  FromRefNumber
  ToRefNumber
 TxnDateRangeFilter
  DateMacro
  FromTxnDate
  ToTxnDate
 TxnID
VendorModRq
 IncludeRetElement 4.0
 VendorMod
  AccountNumber
  AdditionalContactRef 12.0
   ContactName
   ContactValue
  AdditionalNotesMod 12.0
   Note
   NoteID
  AltContact
  AltPhone
  BillingRateRef 6.0
   FullName
   ListID
  Cc 12.0
  ClassRef 12.0
   FullName
   ListID
  CompanyName
  Contact
  ContactsMod 12.0
   AdditionalContactRef
    ContactName
    ContactValue
   EditSequence
   FirstName
   JobTitle
   LastName
   ListID
   MiddleName
   Salutation
  CreditLimit 3.0
  CurrencyRef 8.0
   FullName
   ListID
  EditSequence
  Email
  Fax
  FirstName
  IsActive 3.0
  IsSalesTaxAgency 8.0|US
  IsTaxOnTax 8.0|US
  IsTaxTrackedOnPurchases 8.0|US
  IsTaxTrackedOnSales 8.0|US
  IsVendorEligibleFor1099 3.0|CA,UK
  JobTitle 12.0
  LastName
  ListID
  MiddleName
  Mobile |US,CA,UK,AU
  Name
  NameOnCheck
  Notes 3.0
  Pager |US,CA,UK,AU
  Phone
  PrefillAccountRef 8.0
   FullName
   ListID
  ReportingPeriod 8.0|US
  SalesTaxCodeRef 8.0|US
   FullName
   ListID
  SalesTaxCountry 8.0|US
  SalesTaxReturnRef 8.0|US
   FullName
   ListID
  Salutation
  ShipAddress 11.0
   Addr1
   Addr2
   Addr3
   Addr4
   Addr5
   City
   Country
   Note
   PostalCode
   State
  Suffix |US,CA,UK,AU
  TaxOnPurchasesAccountRef 8.0|US
   FullName
   ListID
  TaxOnSalesAccountRef 8.0|US
   FullName
   ListID
  TaxRegistrationNumber 8.0|US
  TermsRef 3.0
   FullName
   ListID
  VendorAddress
   Addr1
   Addr2
   Addr3
   Addr4 2.0
   Addr5 6.0
   City
   Country
   Note 6.0
   PostalCode
   State
  VendorTaxIdent 3.0
  VendorTypeRef 3.0
   FullName
   ListID
VendorQueryRq
 ActiveStatus
 ClassFilter 12.0|AU
  FullName
  FullNameWithChildren
  ListID
  ListIDWithChildren
 CurrencyFilter 8.0
  FullName
  ListID
 FromModifiedDate
 FullName
 IncludeRetElement 4.0
 ListID
 MaxReturned
 NameFilter
  MatchCriterion
  Name
 NameRangeFilter
  FromName
  ToName
 OwnerID 2.0
 ToModifiedDate
 TotalBalanceFilter
  Amount
  Operator
VendorTypeAddRq
 IncludeRetElement 4.0
 VendorTypeAdd
  IsActive
  Name
  ParentRef
   FullName
   ListID
VendorTypeQueryRq
 ActiveStatus
 FromModifiedDate
 FullName
 IncludeRetElement 4.0
 ListID
 MaxReturned
 NameFilter
  MatchCriterion
  Name
 NameRangeFilter
  FromName
  ToName
 ToModifiedDate
WorkersCompCodeAddRq 7.0|CA,UK
 IncludeRetElement
 WorkersCompCodeAdd
  Desc
  IsActive
  Name
  RateEntry
   EffectiveDate
   Rate
WorkersCompCodeModRq 7.0|CA,UK
 IncludeRetElement
 WorkersCompCodeMod
  Desc
  EditSequence
  IsActive
  ListID
  Name
  RateEntry
   EffectiveDate
   Rate
WorkersCompCodeQueryRq 7.0|CA,UK
 ActiveStatus
 FromEffectiveDate
 FromModifiedDate
 FullName
 IncludeRetElement
 ListID
 MaxReturned
 NameFilter
  MatchCriterion
  Name
 NameRangeFilter
  FromName
  ToName
 ToEffectiveDate
 ToModifiedDate
"""
