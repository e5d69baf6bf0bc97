"""Short human titles of the AIs (Gen Specs section 3 descriptions, shortened), used in every error message.

The dictionary gives only GS1 data titles ("USE BY or EXPIRY"); these say what a worker reads ("expiry date").
An AI missing here falls back to its data title in lower case (the measures "net weight (kg)" ... do on purpose).
"""

from __future__ import annotations

_NHRN = "national healthcare reimbursement number"

TITLES: dict[str, str] = {
    "00": "SSCC", "01": "GTIN", "02": "GTIN of contained trade items", "03": "made-to-order GTIN",
    "10": "batch/lot number", "11": "production date", "12": "due date", "13": "packaging date",
    "15": "best before date", "16": "sell by date", "17": "expiry date", "20": "internal product variant",
    "21": "serial number", "22": "consumer product variant",
    "235": "third-party controlled serialised extension of GTIN",
    "240": "additional product identification", "241": "customer part number", "242": "made-to-order variation number",
    "243": "packaging component number", "250": "secondary serial number", "251": "reference to source entity",
    "253": "global document type identifier", "254": "GLN extension component", "255": "global coupon number",
    "30": "variable count of items", "37": "count of trade items",
    "400": "customer purchase order number", "401": "global identification number for consignment",
    "402": "global shipment identification number", "403": "routing code", "410": "ship-to GLN",
    "411": "bill-to GLN", "412": "purchased-from GLN", "413": "ship-for GLN", "414": "location GLN",
    "415": "pay-to GLN", "416": "production/service location GLN", "417": "party GLN", "420": "ship-to postal code",
    "421": "ship-to postal code with ISO country code", "422": "country of origin",
    "423": "country of initial processing", "424": "country of processing", "425": "country of disassembly",
    "426": "country of full process chain", "427": "country subdivision of origin",
    "4300": "ship-to company name", "4301": "ship-to contact", "4302": "ship-to address line 1",
    "4303": "ship-to address line 2", "4304": "ship-to suburb", "4305": "ship-to locality", "4306": "ship-to region",
    "4307": "ship-to country code", "4308": "ship-to telephone number", "4309": "ship-to GEO location",
    "4310": "return-to company name", "4311": "return-to contact", "4312": "return-to address line 1",
    "4313": "return-to address line 2", "4314": "return-to suburb", "4315": "return-to locality",
    "4316": "return-to region", "4317": "return-to country code", "4318": "return-to postal code",
    "4319": "return-to telephone number", "4320": "service code description", "4321": "dangerous goods flag",
    "4322": "authority to leave flag", "4323": "signature required flag", "4324": "not before delivery date time",
    "4325": "not after delivery date time", "4326": "release date", "4330": "maximum temperature in Fahrenheit",
    "4331": "maximum temperature in Celsius", "4332": "minimum temperature in Fahrenheit",
    "4333": "minimum temperature in Celsius",
    "710": f"{_NHRN} (Germany PZN)", "711": f"{_NHRN} (France CIP)", "712": f"{_NHRN} (Spain CN)",
    "713": f"{_NHRN} (Brazil DRN)", "714": f"{_NHRN} (Portugal AIM)", "715": f"{_NHRN} (USA NDC)",
    "716": f"{_NHRN} (Italy AIC)", "717": f"{_NHRN} (Netherlands SRN)",
    "7001": "NATO stock number", "7002": "meat carcasses and cuts classification", "7003": "expiry date and time",
    "7004": "active potency", "7005": "catch area", "7006": "first freeze date", "7007": "harvest date",
    "7008": "species for fishery purposes", "7009": "fishing gear type", "7010": "production method",
    "7011": "test by date", "7020": "refurbishment lot ID", "7021": "functional status", "7022": "revision status",
    "7023": "GIAI of an assembly", "7040": "GS1 UIC with extension 1 and importer index",
    "7041": "UN/CEFACT freight unit type",
    **{f"703{n}": "approval number of processor" for n in range(10)},
    **{f"72{30 + n}": f"certification reference {n + 1}" for n in range(10)},
    "7240": "protocol ID", "7241": "AIDC media type", "7242": "version control number", "7250": "date of birth",
    "7251": "date and time of birth", "7252": "biological sex", "7253": "family name of person",
    "7254": "given name of person", "7255": "name suffix of person", "7256": "full name of person",
    "7257": "address of person", "7258": "baby birth sequence indicator", "7259": "baby of family name",
    "8001": "roll product dimensions", "8002": "cellular mobile telephone identifier",
    "8003": "global returnable asset identifier", "8004": "global individual asset identifier",
    "8005": "price per unit of measure", "8006": "individual trade item piece",
    "8007": "international bank account number",
    "8008": "production date and time", "8009": "optically readable sensor indicator",
    "8010": "component/part identifier", "8011": "component/part identifier serial number",
    "8012": "software version", "8013": "global model number", "8014": "highly individualised device registration",
    "8017": "GSRN of a service provider", "8018": "GSRN of a service recipient",
    "8019": "service relation instance number", "8020": "payment slip reference number",
    "8026": "ITIP of contained trade item pieces", "8030": "digital signature", "8040": "IMEI", "8041": "second IMEI",
    "8042": "eSIM EID", "8043": "physical SIM ICCID", "8110": "coupon code identification for use in North America",
    "8111": "loyalty points of a coupon", "8112": "positive offer file coupon code identification (North America)",
    "8200": "extended packaging URL", "90": "information mutually agreed between trading partners",
    **{str(n): "company internal information" for n in range(91, 100)},
    **{f"390{n}": "amount payable (local currency)" for n in range(10)},
    **{f"391{n}": "amount payable with ISO currency code" for n in range(10)},
    **{f"392{n}": "price of a variable measure item (local currency)" for n in range(10)},
    **{f"393{n}": "price of a variable measure item with ISO currency code" for n in range(10)},
    **{f"394{n}": "percentage discount of a coupon" for n in range(4)},
    **{f"395{n}": "amount payable per unit of measure" for n in range(6)},
}  # fmt: skip


def title_of(ai: str, data_title: str) -> str:
    """The short human title of ``ai``; its data title in lower case when none is written here."""
    return TITLES.get(ai) or data_title.lower() or f"AI {ai}"
