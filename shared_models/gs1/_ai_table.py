"""Raw GS1 Application Identifier rows (Gen Specs section 3 / Fig. 3.2-1), parsed by ``ai.py``."""

from __future__ import annotations

# Columns: AI, format (Gen Specs notation, [..] = optional part), flags (c = check digit, d = date),
# then "DATA TITLE | short human title". Families (310n, 91-99, ...) are generated below.
ROWS = """
00    N18            c  SSCC | SSCC
01    N14            c  GTIN | GTIN
02    N14            c  CONTENT | GTIN of contained trade items
03    N14            c  MTO GTIN | made-to-order GTIN
10    X..20          -  BATCH/LOT | batch/lot number
11    N6             d  PROD DATE | production date
12    N6             d  DUE DATE | due date
13    N6             d  PACK DATE | packaging date
15    N6             d  BEST BEFORE or BEST BY | best before date
16    N6             d  SELL BY | sell by date
17    N6             d  USE BY OR EXPIRY | expiry date
20    N2             -  VARIANT | internal product variant
21    X..20          -  SERIAL | serial number
22    X..20          -  CPV | consumer product variant
235   X..28          -  TPX | third-party controlled serialised extension of GTIN
240   X..30          -  ADDITIONAL ID | additional product identification
241   X..30          -  CUST. PART No. | customer part number
242   N..6           -  MTO VARIANT | made-to-order variation number
243   X..20          -  PCN | packaging component number
250   X..30          -  SECONDARY SERIAL | secondary serial number
251   X..30          -  REF. TO SOURCE | reference to source entity
253   N13+[X..17]    c  GDTI | global document type identifier
254   X..20          -  GLN EXTENSION COMPONENT | GLN extension component
255   N13+[N..12]    c  GCN | global coupon number
30    N..8           -  VAR. COUNT | variable count of items
37    N..8           -  COUNT | count of trade items
400   X..30          -  ORDER NUMBER | customer purchase order number
401   X..30          -  GINC | global identification number for consignment
402   N17            c  GSIN | global shipment identification number
403   X..30          -  ROUTE | routing code
410   N13            c  SHIP TO LOC | ship-to GLN
411   N13            c  BILL TO | bill-to GLN
412   N13            c  PURCHASE FROM | purchased-from GLN
413   N13            c  SHIP FOR LOC | ship-for GLN
414   N13            c  LOC No. | location GLN
415   N13            c  PAY TO | pay-to GLN
416   N13            c  PROD/SERV LOC | production/service location GLN
417   N13            c  PARTY | party GLN
420   X..20          -  SHIP TO POST | ship-to postal code
421   N3+X..9        -  SHIP TO POST | ship-to postal code with ISO country code
422   N3             -  ORIGIN | country of origin
423   N3+[N..12]     -  COUNTRY - INITIAL PROCESS. | country of initial processing
424   N3             -  COUNTRY - PROCESS. | country of processing
425   N3+[N..12]     -  COUNTRY - DISASSEMBLY | country of disassembly
426   N3             -  COUNTRY - FULL PROCESS | country of full process chain
427   X..3           -  ORIGIN SUBDIVISION | country subdivision of origin
710   X..20          -  NHRN PZN | national healthcare reimbursement number (Germany PZN)
711   X..20          -  NHRN CIP | national healthcare reimbursement number (France CIP)
712   X..20          -  NHRN CN | national healthcare reimbursement number (Spain CN)
713   X..20          -  NHRN DRN | national healthcare reimbursement number (Brazil DRN)
714   X..20          -  NHRN AIM | national healthcare reimbursement number (Portugal AIM)
715   X..20          -  NHRN NDC | national healthcare reimbursement number (USA NDC)
7001  N13            -  NSN | NATO stock number
7002  X..30          -  MEAT CUT | meat carcasses and cuts classification
7003  N10            d  EXPIRY TIME | expiry date and time
7004  N..4           -  ACTIVE POTENCY | active potency
7005  X..12          -  CATCH AREA | catch area
7006  N6             d  FIRST FREEZE DATE | first freeze date
7007  N6+[N6]        d  HARVEST DATE | harvest date
7008  X..3           -  AQUATIC SPECIES | species for fishery purposes
7009  X..10          -  FISHING GEAR TYPE | fishing gear type
7010  X..2           -  PROD METHOD | production method
7020  X..20          -  REFURB LOT | refurbishment lot ID
7021  X..20          -  FUNC STAT | functional status
7022  X..20          -  REV STAT | revision status
7023  X..30          -  GIAI - ASSEMBLY | GIAI of an assembly
7040  N1+X3          -  UIC+EXT | GS1 UIC with extension 1 and importer index
7240  X..20          -  PROTOCOL | protocol ID
8001  N14            -  DIMENSIONS | roll product dimensions
8002  X..20          -  CMT No. | cellular mobile telephone identifier
8003  N14+[X..16]    c  GRAI | global returnable asset identifier
8004  X..30          -  GIAI | global individual asset identifier
8005  N6             -  PRICE PER UNIT | price per unit of measure
8006  N14+N2+N2      c  ITIP | individual trade item piece
8007  X..34          -  IBAN | international bank account number
8008  N8+[N..4]      d  PROD TIME | production date and time
8009  X..50          -  OPTSEN | optically readable sensor indicator
8010  Y..30          -  CPID | component/part identifier
8011  N..12          -  CPID SERIAL | component/part identifier serial number
8012  X..20          -  VERSION | software version
8013  X..25          c  GMN | global model number
8017  N18            c  GSRN - PROVIDER | GSRN of a service provider
8018  N18            c  GSRN - RECIPIENT | GSRN of a service recipient
8019  N..10          -  SRIN | service relation instance number
8020  X..25          -  REF No. | payment slip reference number
8026  N14+N2+N2      c  ITIP CONTENT | ITIP of contained trade item pieces
8030  Z..90          -  DIGSIG | digital signature
8111  N4             -  POINTS | loyalty points of a coupon
8200  X..70          -  PRODUCT URL | extended packaging URL
90    X..30          -  INTERNAL | information mutually agreed between trading partners
"""

# Trade and logistic measures "31nn".."36nn": AI prefix -> data title; format N6, n = 0..5 decimals.
MEASURES = {
    "310": "NET WEIGHT (kg)", "311": "LENGTH (m)", "312": "WIDTH (m)", "313": "HEIGHT (m)",
    "314": "AREA (m2)", "315": "NET VOLUME (l)", "316": "NET VOLUME (m3)",
    "320": "NET WEIGHT (lb)", "321": "LENGTH (i)", "322": "LENGTH (f)", "323": "LENGTH (y)",
    "324": "WIDTH (i)", "325": "WIDTH (f)", "326": "WIDTH (y)",
    "327": "HEIGHT (i)", "328": "HEIGHT (f)", "329": "HEIGHT (y)",
    "330": "GROSS WEIGHT (kg)", "331": "LENGTH (m), log", "332": "WIDTH (m), log", "333": "HEIGHT (m), log",
    "334": "AREA (m2), log", "335": "VOLUME (l), log", "336": "VOLUME (m3), log", "337": "KG PER m2",
    "340": "GROSS WEIGHT (lb)", "341": "LENGTH (i), log", "342": "LENGTH (f), log", "343": "LENGTH (y), log",
    "344": "WIDTH (i), log", "345": "WIDTH (f), log", "346": "WIDTH (y), log",
    "347": "HEIGHT (i), log", "348": "HEIGHT (f), log", "349": "HEIGHT (y), log",
    "350": "AREA (i2)", "351": "AREA (f2)", "352": "AREA (y2)",
    "353": "AREA (i2), log", "354": "AREA (f2), log", "355": "AREA (y2), log",
    "356": "NET WEIGHT (t)", "357": "NET VOLUME (oz)",
    "360": "NET VOLUME (q)", "361": "NET VOLUME (g)", "362": "VOLUME (q), log", "363": "VOLUME (g), log",
    "364": "VOLUME (i3)", "365": "VOLUME (f3)", "366": "VOLUME (y3)",
    "367": "VOLUME (i3), log", "368": "VOLUME (f3), log", "369": "VOLUME (y3), log",
}  # fmt: skip

# Amount/price families: prefix -> (format, data title, title, highest n).
AMOUNTS = {
    "390": ("N..15", "AMOUNT", "amount payable (local currency)", 9),
    "391": ("N3+N..15", "AMOUNT", "amount payable with ISO currency code", 9),
    "392": ("N..15", "PRICE", "price of a variable measure item (local currency)", 9),
    "393": ("N3+N..15", "PRICE", "price of a variable measure item with ISO currency code", 9),
    "394": ("N4", "PRCNT OFF", "percentage discount of a coupon", 3),
    "395": ("N6", "PRICE/UoM", "amount payable per unit of measure", 5),
}

# Families with a running last digit.
FAMILIES = (
    # (AI list, format, flags, data title, title)
    (tuple(str(n) for n in range(91, 100)), "X..90", "-", "INTERNAL", "company internal information"),
    (tuple(f"703{s}" for s in range(10)), "N3+X..27", "-", "PROCESSOR # s", "approval number of processor"),
)
