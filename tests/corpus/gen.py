#!/usr/bin/env python3
"""Writes the validator's labeled corpus (tests/corpus/*.json) from the cases below.

Each case is a reply with its expected violations marked inline as `{CODE|text}`; the
generator strips the markers and records each expected code with its exact UTF-8 byte
span. `{CODE:kind|text}` also records the violation's kind. Run it from the repository
root after editing the cases: `python3 tests/corpus/gen.py`. The runner,
tests/corpus.rs, asserts the exact codes and spans of every case within its file's
scope and prints precision and recall per code.
"""
import json, os, re

HERE = os.path.dirname(os.path.abspath(__file__))

def luhn_ok(s):
    d = [int(c) for c in s if c.isdigit()]
    tot = 0
    for i, x in enumerate(reversed(d)):
        if i % 2 == 1:
            x *= 2
            if x > 9: x -= 9
        tot += x
    return tot % 10 == 0

def iban_ok(s):
    s = s.replace(' ', '').upper()
    r = s[4:] + s[:4]
    n = ''.join(str(int(c, 36)) for c in r)
    return int(n) % 97 == 1

MARK = re.compile(r'\{([A-Z_]+)(?::([a-z_]+))?\|(.*?)\}', re.S)

def parse(marked):
    out = ''
    expect = []
    pos = 0
    for m in MARK.finditer(marked):
        out += marked[pos:m.start()]
        start = len(out.encode('utf-8'))
        out += m.group(3)
        end = len(out.encode('utf-8'))
        e = {'code': m.group(1), 'span': [start, end]}
        if m.group(2): e['kind'] = m.group(2)
        expect.append(e)
        pos = m.end()
    out += marked[pos:]
    return out, expect

def case(name, marked, context=None, xfail=None, turn=None):
    text, expect = parse(marked)
    c = {'name': name, 'text': text, 'expect': expect}
    if context: c['context'] = context
    if turn is not None: c['turn'] = turn
    if xfail: c['xfail'] = xfail
    return c

def write(file, scope, contexts, cases):
    names = set()
    for c in cases:
        assert c['name'] not in names, c['name']
        names.add(c['name'])
    with open(os.path.join(HERE, file), 'w', encoding='utf-8') as f:
        json.dump({'scope': scope, 'contexts': contexts, 'cases': cases}, f, ensure_ascii=False, indent=1)
        f.write('\n')
    return len(cases)

total = 0

# ---------------------------------------------------------------- payment cards
VALID_CARDS = ['4242424242424242', '4111111111111111', '5555555555554444', '5105105105105100',
    '378282246310005', '371449635398431', '6011111111111117', '6011000990139424',
    '3530111333300000', '3566002020360505', '30569309025904', '38520000023237',
    '4000056655665556', '2223003122003222', '4012888888881881', '5200828282828210',
    '4000002500003155', '6200000000000005', '4917610000000000003', '5425233430109903']
for c in VALID_CARDS:
    assert luhn_ok(c), c

def grouped(n, sep=' '):
    if len(n) == 15: parts = [n[:4], n[4:10], n[10:]]
    elif len(n) == 14: parts = [n[:4], n[4:10], n[10:]]
    else: parts = [n[i:i+4] for i in range(0, len(n), 4)]
    return sep.join(parts)

FW = str.maketrans('0123456789', '０１２３４５６７８９')
cards = []
templates = [
    'Thanks! The card {PII_CARD|%s} is now on file.',
    'I can see a charge to {PII_CARD|%s} on your statement.',
    'Card: {PII_CARD|%s}, exp 12/27.',
    'Your payment with card number {PII_CARD|%s} went through',
    '({PII_CARD|%s})',
]
i = 0
for n in VALID_CARDS:
    for fmt in ('spaces', 'dashes', 'plain'):
        if fmt == 'spaces': s = grouped(n, ' ')
        elif fmt == 'dashes': s = grouped(n, '-')
        else: s = n
        cards.append(case('card-%s-%s' % (n[:6], fmt), templates[i % len(templates)] % s))
        i += 1
cards += [
    case('card-fullwidth', 'Your card {PII_CARD|%s} was charged.' % '４２４２ ４２４２ ４２４２ ４２４２'),
    case('card-fullwidth-plain', 'Card {PII_CARD|%s}.' % '4111111111111111'.translate(FW)),
    case('card-zero-width', 'Card {PII_CARD|4242\u200b4242\u200b4242\u200b4242} is active.'),
    case('card-soft-hyphen', 'Card {PII_CARD|4242\u00ad4242\u00ad4242\u00ad4242} is active.'),
    case('card-nbsp', 'Card {PII_CARD|4242\u00a04242\u00a04242\u00a04242} is active.'),
    case('card-en-dash', 'Card {PII_CARD|4242\u20134242\u20134242\u20134242}.'),
    case('card-arabic-indic', 'Card {PII_CARD|٤٢٤٢٤٢٤٢٤٢٤٢٤٢٤٢}.'),
    case('card-double-space', 'Card {PII_CARD|4242  4242  4242  4242} ok'),
    case('card-after-order-number', 'Order 123456 paid with {PII_CARD|4242 4242 4242 4242}.'),
    case('card-two-cards', 'Cards {PII_CARD|4242 4242 4242 4242} and {PII_CARD|5555 5555 5555 4444}.'),
    case('card-at-start', '{PII_CARD|4111-1111-1111-1111} is the card we have.'),
    case('card-at-end', 'The card we have is {PII_CARD|4111111111111111}'),
    case('card-newline-separated', 'Card:\n{PII_CARD|4242 4242\n4242 4242}\nThanks'),
    case('card-bidi-control', 'Card {PII_CARD|4242\u202e4242\u202c4242\u202c4242}.'),
    case('card-after-year', 'Since 2026-06-03 the card {PII_CARD|4242 4242 4242 4242} is used.'),
    case('card-after-a-year', 'In 2026 {PII_CARD|4242 4242 4242 4242} was used.'),
    case('card-after-4-digit-number', 'Ref 7788 {PII_CARD|4242 4242 4242 4242} was used.'),
    case('card-after-4-digit-number-2', 'Box 5511 {PII_CARD|4111 1111 1111 1111} here.'),
    case('card-before-4-digit-number', 'Card {PII_CARD|4111 1111 1111 1111} 2027 expiry.'),
    case('not-card-ambiguous-run-of-fours', 'Ref 4242 4242 4242 4242 4242 4242.'),
]
# Look-alike distractors: not cards.
cards += [
    case('not-card-luhn-fail', 'Your order number is 4242 4242 4242 4241.'),
    case('not-card-luhn-fail-plain', 'Order #4111111111111112 has shipped.'),
    case('not-card-luhn-fail-dashes', 'Reference 5555-5555-5555-4445.'),
    case('not-card-usps-tracking', 'Tracking: 9400 1000 0000 0000 0000 00.'),
    case('not-card-usps-tracking-plain', 'Tracking number 9400111899223334445566.'),
    case('not-card-ups-tracking', 'UPS tracking 1Z999AA10123456784.'),
    case('not-card-fedex', 'FedEx tracking 7489 2839 1234.'),
    case('not-card-txn-id', 'Transaction txn_4242424242424242 is refunded.'),
    case('not-card-order-id', 'Order ORD-4242424242424242 shipped.'),
    case('not-card-price', 'The plan is $4,242.42 per year.'),
    case('not-card-phone', 'Call us at +1 (415) 555-0132.'),
    case('not-card-date', 'Charged on 2026-06-03 and 2026-06-04.'),
    case('not-card-short', 'Code 4242 4242 4242.'),
    case('not-card-too-long', 'Account 4242 4242 4242 4242 4242.'),
    case('not-card-timestamp', 'Event at 1717171717171 ms.'),
    case('not-card-isbn', 'ISBN 9780306406157.'),
    case('not-card-imei', 'Your device IMEI 490154203237518 is registered.'),
    case('not-card-starts-with-9', 'Reference 9999 9999 9999 9995.'),
    case('not-card-starts-with-1', 'Reference 1111 1111 1111 1117.'),
    case('not-card-last4', 'The card ending in 4242 was charged $29.'),
    case('not-card-masked', 'The card **** **** **** 4242 was charged.'),
    case('not-card-masked-bullets', 'The card •••• •••• •••• 4242 was charged.'),
    case('not-card-invoice', 'Invoice INV-2026-0001234 is attached.'),
    case('not-card-version', 'Version 4.2.4.2 is live.'),
    case('not-card-decimal', 'Total 4242424242.4242 units.'),
    case('not-card-ip', 'Server 10.42.42.42 is up.'),
    case('not-card-iban-digits', 'IBAN DE89 3704 0044 0532 0130 00 belongs to the vendor.', xfail=None),
    case('not-card-grouped-5', 'Serial 42424 24242 42424.'),
]
# The IBAN distractor is an IBAN: only its PII_IBAN is expected, in the PII file.
cards[-2] = case('not-card-iban-digits', 'IBAN {PII_IBAN|DE89 3704 0044 0532 0130 00} belongs to the vendor.')

# ---------------------------------------------------------------- SSNs
ssns = [
    case('ssn-dashes', 'Your SSN {PII_SSN|123-45-6789} is verified.'),
    case('ssn-spaces', 'We have {PII_SSN|219 09 9998} on file.'),
    case('ssn-keyword-plain', 'SSN: {PII_SSN|123456789}.'),
    case('ssn-keyword-long', 'Social security number {PII_SSN|078051121} matched.'),
    case('ssn-keyword-is', 'Your ssn is {PII_SSN|536225432}'),
    case('ssn-fullwidth', 'SSN {PII_SSN|%s}' % '５３６-２２-５４３２'),
    case('ssn-zero-width', 'SSN {PII_SSN|536-22-\u200b5432}.'),
    case('ssn-en-dash', 'SSN {PII_SSN|536\u201322\u20135432}.'),
    case('ssn-start', '{PII_SSN|536-22-5432} is the number we have.'),
    case('ssn-in-parens', 'Thanks ({PII_SSN|001-01-0001})'),
    case('ssn-max-area', 'SSN {PII_SSN|899-99-9999}.'),
    case('ssn-two', 'SSNs {PII_SSN|123-45-6789} and {PII_SSN|536-22-5432}.'),
    case('ssn-ss-hash', 'SS# {PII_SSN|536225432}'),
    case('ssn-newline', 'Number:\n{PII_SSN|536-22-5432}\n'),
    case('ssn-nbsp', 'SSN {PII_SSN|536\u00a022\u00a05432}.'),
    case('not-ssn-area-000', 'SSN 000-12-3456 is invalid.'),
    case('not-ssn-area-666', 'SSN 666-12-3456 is invalid.'),
    case('not-ssn-area-900', 'SSN 900-12-3456 is invalid.'),
    case('not-ssn-area-999', 'Number 999-45-6789.'),
    case('not-ssn-group-00', 'SSN 123-00-4567 is invalid.'),
    case('not-ssn-serial-0000', 'SSN 123-45-0000 is invalid.'),
    case('not-ssn-woolworth', 'The sample 078-05-1120 is not real.'),
    case('not-ssn-phone', 'Call 555-123-4567 today.'),
    case('not-ssn-phone-prefix', 'Call 1-800-45-6789 today.'),
    case('not-ssn-zip4', 'Ship to 94105-1234.'),
    case('not-ssn-plain-no-keyword', 'Order 123456789 has shipped.'),
    case('not-ssn-date', 'On 2026-06-03 we refunded you.'),
    case('not-ssn-mixed-separators', 'Code 123-45 6789.'),
    case('not-ssn-longer', 'Ref 123-45-6789-01.'),
    case('not-ssn-part-of-id', 'Ticket T-123-45-6789.'),
    case('not-ssn-decimal', 'Value 1.123-45-6789.'),
    case('not-ssn-short', 'Ref 123-45-678.'),
]

# ---------------------------------------------------------------- IBANs
VALID_IBANS = ['DE89370400440532013000', 'GB82WEST12345698765432', 'FR1420041010050500013M02606',
    'ES9121000418450200051332', 'IT60X0542811101000000123456', 'NL91ABNA0417164300',
    'BE68539007547034', 'CH9300762011623852957', 'AT611904300234573201',
    'PL61109010140000071219812874', 'SE4550000000058398257466', 'NO9386011117947',
    'DK5000400440116243', 'FI2112345600000785', 'IE29AIBK93115212345678',
    'PT50000201231234567890154', 'LU280019400644750000']
for b in VALID_IBANS:
    assert iban_ok(b), b
def spaced(b):
    return ' '.join(b[i:i+4] for i in range(0, len(b), 4))
ibans = []
for k, b in enumerate(VALID_IBANS):
    form = b if k % 3 == 0 else (spaced(b) if k % 3 == 1 else spaced(b).lower())
    ibans.append(case('iban-%s-%d' % (b[:2].lower(), k), 'Please send it to {PII_IBAN|%s}, thanks.' % form))
    if k % 2 == 0:
        ibans.append(case('iban-%s-compact-%d' % (b[:2].lower(), k), 'IBAN: {PII_IBAN|%s}' % b))
ibans += [
    case('iban-fullwidth', 'IBAN {PII_IBAN|ＤＥ８９ ３７０４ ００４４ ０５３２ ０１３０ ００}.'),
    case('iban-zero-width', 'IBAN {PII_IBAN|DE89\u200b3704\u200b0044\u200b0532\u200b0130\u200b00}.'),
    case('not-iban-checksum', 'IBAN DE89 3704 0044 0532 0130 01 is wrong.'),
    case('not-iban-checksum-2', 'Account GB82WEST12345698765431.'),
    case('not-iban-length', 'Account DE89 3704 0044 0532 0130 0.'),
    case('not-iban-country', 'Account XX89 3704 0044 0532 0130 00.'),
    case('not-iban-word', 'The DE89 model ships soon.'),
    case('not-iban-glued', 'IDDE89370400440532013000 is an id.'),
    case('not-iban-too-long', 'Account DE89 3704 0044 0532 0130 0012.'),
    case('not-iban-sku', 'SKU AB12-3456-7890 is back in stock.'),
]

# ---------------------------------------------------------------- secrets
secrets = [
    case('secret-password-colon', 'Your temporary password: {PII_SECRET|Xk9#mq2Pz}'),
    case('secret-password-is', 'The password is {PII_SECRET|hunter22}.'),
    case('secret-password-equals', 'password={PII_SECRET|S3cr3t!} then log in'),
    case('secret-passcode', 'Your passcode is {PII_SECRET|887766}.'),
    case('secret-pin', 'Your PIN is {PII_SECRET|4821}.'),
    case('secret-openai', 'Use the key {PII_SECRET|sk-proj-abcdefghijklmnop1234567890} in the header.'),
    case('secret-stripe-live', 'Key {PII_SECRET|sk_live_51HxYzAbCdEfGhIjKlMn0123}.'),
    case('secret-stripe-test', 'Test key {PII_SECRET|sk_test_4eC39HqLyjWDarjtT1zdp7dc}'),
    case('secret-aws', 'AWS key {PII_SECRET|AKIAIOSFODNN7EXAMPLE} was rotated.'),
    case('secret-github', 'Token {PII_SECRET|ghp_16C7e42F292c6912E7710c838347Ae178B4a} leaked.'),
    case('secret-slack', 'Bot token {PII_SECRET|xoxb-123456789012-1234567890123-AbCdEfGhIjKl}.'),
    case('secret-gitlab', 'Use {PII_SECRET|glpat-xxxxxxxxxxxxxxxxxxxx} for CI.'),
    case('secret-jwt', 'Session {PII_SECRET|eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U} expired.'),
    case('secret-zero-width-key', 'Key {PII_SECRET|sk_live_\u200b51HxYzAbCdEfGhIjKlMn0123}.'),
    case('secret-fullwidth-pw', 'Password: {PII_SECRET|Ｐａｓｓ１２３４}'),
    case('secret-otp', 'Your one-time code is {PII_SECRET|482913}.'),
    case('not-secret-password-incorrect', 'Your password is incorrect, please reset it.'),
    case('not-secret-password-reset', 'Password reset emails expire after an hour.'),
    case('not-secret-masked', 'Your password: ********'),
    case('not-secret-pk', 'The publishable key pk_live_51HxYzAbCdEfGhIj is public.'),
    case('not-secret-short-prefix', 'The sk- prefix marks secret keys.'),
    case('not-secret-word', 'Pick a strong password: required for all accounts.'),
    case('not-secret-pin-word', 'Pin the message to the channel.'),
    case('not-secret-task', 'Our task-12345678901234567890 queue is busy.'),
]

# ---------------------------------------------------------------- emails
emails = [
    case('email-other', 'I forwarded it to {PII_OTHER_CUSTOMER_EMAIL|jane.doe@othercorp.com}.', context='lee'),
    case('email-customer-own', 'We sent it to lee@startup.dev.', context='lee'),
    case('email-customer-own-case', 'We sent it to Lee@Startup.DEV.', context='lee'),
    case('email-other-plus', 'Contact {PII_OTHER_CUSTOMER_EMAIL|bob+billing@acme.io} instead.', context='lee'),
    case('email-company-in-kb', 'Write to billing@example.com any time.', context='lee'),
    case('email-in-kb', 'Our security team is at security@help-desk.io.', context='lee'),
    case('email-two-others', '{PII_OTHER_CUSTOMER_EMAIL|a@b.co} and {PII_OTHER_CUSTOMER_EMAIL|c.d@e.org}', context='lee'),
    case('email-fullwidth-at', 'Mail {PII_OTHER_CUSTOMER_EMAIL|jane＠othercorp.com}.', context='lee'),
    case('email-zero-width', 'Mail {PII_OTHER_CUSTOMER_EMAIL|ja\u200bne@othercorp.com}.', context='lee'),
    case('email-no-context', 'Mail {PII_OTHER_CUSTOMER_EMAIL|lee@startup.dev}.'),
    case('email-ticket-mentioned', 'I have cc\'d your colleague sam@startup.dev as you asked.', context='lee'),
    case('not-email-handle', 'Follow us @deskguard on social.', context='lee'),
    case('not-email-no-tld', 'Use user@localhost for testing.', context='lee'),
    case('not-email-at-price', 'Seats are 3 @ $29 each.', context='lee'),
    case('email-unknown-company-address', 'Write to {PII_OTHER_CUSTOMER_EMAIL|support@eu.example.com}.', context='lee'),
    case('email-trailing-dot', 'Write to {PII_OTHER_CUSTOMER_EMAIL|kim@partner.org}.', context='lee'),
    case('email-uppercase-other', 'Write to {PII_OTHER_CUSTOMER_EMAIL|KIM@PARTNER.ORG}', context='lee'),
    case('email-in-url', 'See https://help.example.com/contact for details.', context='lee'),
    case('email-angle', 'From: <{PII_OTHER_CUSTOMER_EMAIL|ops@vendor.net}>', context='lee'),
    case('email-customer-in-crm', 'We also have lee.work@startup.dev on your account.', context='lee'),
]

pii_contexts = {
    'lee': {
        'ticket': 'Charged twice\nMy colleague sam@startup.dev is cc\'d.',
        'customer_email': 'lee@startup.dev',
        'context': {
            'kb': [{'id': 'KB-9', 'title': 'Security contact', 'content': 'Report issues to security@help-desk.io. Billing questions: billing@example.com.'}],
            'crm': {'secondary_email': 'lee.work@startup.dev'},
            'orders': [],
        },
    },
}
government_ids = [
    case('gov-passport-no', 'We matched passport no. {PII_GOVERNMENT_ID|C01X00T47} to your booking.'),
    case('gov-passport-number-is', 'Your passport number is {PII_GOVERNMENT_ID|123456789}.'),
    case('gov-us-licence', "Driver's license: {PII_GOVERNMENT_ID|S123-456-78-910-0}"),
    case('gov-curly-apostrophe', 'Driver\u2019s licence {PII_GOVERNMENT_ID|A1234567} is on file.'),
    case('gov-nino-spaced', 'Your NI number is {PII_GOVERNMENT_ID|AB 12 34 56 C}, thanks.'),
    case('gov-nino-compact', 'National insurance number {PII_GOVERNMENT_ID|QQ123456C}.'),
    case('gov-aadhaar', 'Aadhaar {PII_GOVERNMENT_ID|1234 5678 9012} was verified.'),
    case('gov-tax-id-hash', 'Tax ID # {PII_GOVERNMENT_ID|12-3456789} is on the invoice.'),
    case('gov-fullwidth', 'Passport {PII_GOVERNMENT_ID|%s}' % '１２３４５６７８'),
    case('gov-no-number', 'Please bring your passport to the appointment.'),
    case('gov-expiry-year', "Your driver's license expires 2027."),
    case('gov-no-longer', 'A passport is no longer needed for this trip.'),
    case('gov-order-number', 'Your order C01X00T47 has shipped.'),
    case('gov-software-licence', 'Your license number is LIC-2024-00012345; keep it for reinstalls.'),
]
all_pii = cards + ssns + ibans + secrets + emails + government_ids
total += write('pii.json', ['PII_CARD', 'PII_SSN', 'PII_GOVERNMENT_ID', 'PII_IBAN', 'PII_SECRET', 'PII_OTHER_CUSTOMER_EMAIL'], pii_contexts, all_pii)

# ---------------------------------------------------------------- grounding
billing = {
    'ticket': 'Charged twice this month\nI just noticed two $29 charges on the same day for my subscription.',
    'customer_email': 'lee@startup.dev',
    'now': '2026-06-24T09:20:00Z',
    'context': {
        'kb': [
            {'id': 'KB-204', 'title': 'Refund policy: duplicate charges',
             'content': 'If a customer is charged twice for the same subscription period, refund the duplicate charge in full. Refunds appear on the original payment method in 5-10 business days. Annual plans get 20% off. Call +1 (800) 555-0199 or see https://help.example.com/billing/refunds for details.',
             'updated_at': '2026-04-18', 'score': 0.88, 'tags': ['billing', 'refund_policy']},
            {'id': 'KB-118', 'title': 'Plans', 'content': 'The Team plan costs USD 99 per month. Trials last 14 days. Enterprise quotes within 2 business days. Support hours end at 6 pm.',
             'updated_at': '2026-05-02', 'score': 0.8, 'tags': ['pricing']},
        ],
        'crm': {'plan': 'Pro', 'price_usd_per_month': 29, 'renewal_date': '2026-07-03', 'seats': 5},
        'orders': [
            {'txn_id': 'txn_8841', 'amount_usd': 29, 'date': '2026-06-03', 'status': 'paid'},
            {'txn_id': 'txn_8842', 'amount_usd': 29, 'date': '2026-06-03', 'status': 'paid'},
        ],
    },
}
U = 'UNGROUNDED_CLAIM'
g = []
def grounded(name, text):
    g.append(case(name, text, context='billing'))
def ungrounded(name, text, xfail=None):
    g.append(case(name, text, context='billing', xfail=xfail))
# money
for i, m in enumerate(['$29', '$29.00', '29.00 USD', 'USD 29', '29 dollars', 'US$29', '$ 29']):
    grounded('money-grounded-%d' % i, 'I can see two identical %s charges.' % m)
for i, m in enumerate(['$99', 'USD 99', '99.00 usd']):
    grounded('money-grounded-team-%d' % i, 'The Team plan is %s a month.' % m)
for i, m in enumerate(['$39', '$290', '$29.99', '39 USD', 'USD 19', '€29', '£29', '$2,900', '$240k', '49 dollars', '$0.99', 'US$30']):
    ungrounded('money-ungrounded-%d' % i, 'That comes to {%s:money|%s} in total.' % (U, m))
ungrounded('money-range-half', 'Refunds of {%s:money|$10}-{%s:money|$20} are common.' % (U, U))
grounded('money-fullwidth-grounded', 'Two charges of $２９ each.')
ungrounded('money-fullwidth', 'A charge of {%s:money|$３９}.' % U)
ungrounded('money-zero-width', 'A charge of {%s:money|$3\u200b9}.' % U)
# dates
for i, d in enumerate(['June 3rd', '3 June 2026', '2026-06-03', 'June 3, 2026', 'Jun 3', '3rd of June', '06/03/2026', 'July 3rd', '2026-07-03', 'June 24']):
    grounded('date-grounded-%d' % i, 'That charge was on %s.' % d)
for i, d in enumerate(['June 4th', '4 June 2026', '2026-06-04', 'June 3, 2025', 'May 3rd', '2026-08-01', 'Dec. 25', '15/06/2026', 'August 1st']):
    ungrounded('date-ungrounded-%d' % i, 'You will be billed on {%s:date|%s}.' % (U, d))
grounded('date-not-a-date-may', 'You may 3x your savings.')
grounded('date-year-alone', 'Since 2026 we bill monthly.')
# durations
for i, d in enumerate(['5-10 business days', '5\u201310 business days', '5 to 10 business days', '10 business days', '14 days', '14-day', '2 business days', 'two business days', 'fourteen days']):
    grounded('duration-grounded-%d' % i, 'It takes %s.' % d)
for i, d in enumerate(['3-5 business days', '5 business days', '24 hours', '48h', '2 weeks', 'two weeks', '30-day', '1 hour', '10 days', '3 months', '7 to 10 business days']):
    ungrounded('duration-ungrounded-%d' % i, 'It takes {%s:duration|%s}.' % (U, d))
grounded('duration-not-unit', 'You have 5 seats and 2 admins.')
# percentages
grounded('percent-grounded', 'Annual plans get 20% off.')
grounded('percent-grounded-word', 'Annual plans get 20 percent off.')
ungrounded('percent-ungrounded', 'Annual plans get {%s:percentage|25%%} off.' % U)
ungrounded('percent-ungrounded-word', 'You save {%s:percentage|15 percent}.' % U)
ungrounded('percent-ungrounded-decimal', 'Fees are {%s:percentage|2.9%%}.' % U)
# phones and urls
grounded('phone-grounded', 'Call +1 (800) 555-0199 any time.')
grounded('phone-grounded-format', 'Call 800-555-0199 any time.')
grounded('phone-grounded-dots', 'Call 1.800.555.0199 any time.')
ungrounded('phone-ungrounded', 'Call {%s:phone|+1 (800) 555-0100} any time.' % U)
ungrounded('phone-ungrounded-intl', 'Call {%s:phone|+44 20 7946 0958} any time.' % U)
ungrounded('phone-ungrounded-plain', 'Call {%s:phone|415-555-0132}.' % U)
grounded('url-grounded', 'See https://help.example.com/billing/refunds for details.')
grounded('url-grounded-trailing', 'See https://help.example.com/billing/refunds/.')
grounded('url-grounded-host', 'See https://help.example.com for details.')
ungrounded('url-ungrounded', 'See {%s:url|https://help.example.com/billing/discounts} for details.' % U)
ungrounded('url-ungrounded-host', 'See {%s:url|www.example-deals.com} now.' % U)
# KB ids
grounded('kb-grounded', 'As KB-204 explains, refunds take a while.')
grounded('kb-grounded-nodash', 'See kb204.')
ungrounded('kb-ungrounded', 'As {%s:kb_id|KB-999} explains, refunds take a while.' % U)
# mixed and look-alikes
grounded('lookalike-txn', 'Transaction txn_8842 was refunded.')
grounded('lookalike-order-number', 'Order #48213 shipped.')
grounded('lookalike-2fa', 'Enable 2FA under Settings.')
grounded('lookalike-version', 'Version 4.2 is out.')
grounded('lookalike-time', 'We reply within the day.')
ungrounded('mixed-two', 'A {%s:money|$39} credit arrives in {%s:duration|3 days}.' % (U, U))
ungrounded('mixed-one-of-two', 'Two $29 charges; refund in {%s:duration|3-5 business days}.' % U)
grounded('example-2-reply', "Hi Lee \u2014 you're right, I can see two identical $29 charges on June 3rd. That's a duplicate, and I've queued a refund for the extra charge (you'll see it back on your original payment method in 5\u201310 business days).")
grounded('example-ticket-grounds', 'You mentioned two $29 charges.')
ungrounded('example-8-price', 'The Pro plan is {%s:money|$290} per year, which saves you {%s:duration|two months}.' % (U, U))
ungrounded('number-word-range', 'Expect it in {%s:duration|three to five days}.' % U, xfail=None)
ungrounded('seats-are-not-money', 'You have 5 seats.')
total += write('grounding.json', ['UNGROUNDED_CLAIM'], {'billing': billing}, g)

# ---------------------------------------------------------------- commitments, content, citations
C = 'COMMITMENT'
content = [
    case('commit-callback', 'An engineer {%s:callback|will call you} {%s:timeline|within the hour}.' % (C, C)),
    case('commit-within-hour', 'We are on it and will update you {%s:timeline|within the hour}.' % C),
    case('commit-never-again', 'Trust me: this will {%s:outcome|never happen again}.' % C),
    case('commit-guaranteed', 'Your refund is {%s:guarantee|guaranteed}.' % C),
    case('commit-credit', 'We {%s:compensation|will credit} your account for the trouble.' % C),
    case('commit-fixed-by', 'It {%s:timeline|will be fixed by} Friday.' % C),
    case('commit-eod', 'You will have it {%s:timeline|by end of day}.' % C),
    case('commit-fix', '{%s:outcome|Rest assured}, {%s:fix|we will fix this} quickly.' % (C, C)),
    case('commit-i-promise', '{%s:outcome|I promise} it works now.' % C),
    case('commit-free-month', 'We are adding a {%s:compensation|free month} to your plan.' % C),
    case('commit-zero-width', 'This will never hap\u200bpen again.'.replace('never hap\u200bpen again', '{%s:outcome|never hap\u200bpen again}' % C)),
    case('no-commit-vague', "You'll hear from a person shortly and we will follow up with you quickly."),
    case('no-commit-example-3', "I'm escalating this to our enterprise team right now as a priority so a specialist can investigate the dashboards directly and follow up with you quickly. I won't guess at a cause or a timeline before they've looked; you'll hear from a person shortly."),
    case('no-commit-example-1', "If your authenticator is ever unavailable, your backup codes (shown during setup) will let you back in."),
    case('no-commit-report', "I've queued a refund for the extra charge."),
    case('commit-grounded-refund', 'Refunds will be processed within 5-10 business days.', context='refund_policy'),
    case('commit-ungrounded-timeline', 'Refunds {%s:timeline|will be processed within} 2 days.' % C, context='refund_policy'),
    case('commit-credit-grounded', 'We will credit your account as our policy allows.', context='refund_policy'),
    case('commit-callback-not-grounded-by-refund', 'A specialist {%s:callback|will call you} tomorrow.' % C, context='refund_policy'),
]
T = 'PROHIBITED_TOPIC'
P = 'PROHIBITED_PHRASE'
content += [
    case('topic-competitor', 'We are much {%s:competitor_product_comparison|better than Zendesk} here.' % T),
    case('topic-competitor-phrase', 'Our pricing is lower {%s:competitor_product_comparison|than our competitors}.' % T),
    case('topic-roadmap', 'Dark mode is {%s:unreleased_features|on our roadmap}.' % T),
    case('topic-coming-soon', 'That integration is {%s:unreleased_features|coming soon}!' % T),
    case('topic-internal-tool', 'I checked the {%s:internal_tooling_names|admin panel} for you.' % T),
    case('topic-pricing', 'I can offer you {%s:pricing_not_in_catalog|special pricing}.' % T),
    case('topic-legal', 'You are {%s:legal_advice|legally entitled} to a refund.' % T),
    case('topic-legal-case', '{%s:legal_advice|You have a strong case} against them.' % T),
    case('topic-zero-width', 'It is {%s:unreleased_features|coming so\u200bon}.' % T),
    case('no-topic-legal-deflect', "I can't give legal advice, but I can connect you with our team."),
    case('topic-medical', 'For the headaches, you {%s:medical_advice|should stop taking} the tablets.' % T),
    case('topic-medical-dose', 'Try to {%s:medical_advice|reduce your dose} first.' % T),
    case('topic-tax', 'The subscription is {%s:tax_advice|tax-deductible} for most teams.' % T),
    case('topic-tax-write-off', 'Good news: you can {%s:tax_advice|write it off as a} business expense.' % T),
    case('no-topic-write-off-fee', 'We can write it off this time: the late fee is gone.'),
    case('topic-financial', 'With the savings, you {%s:financial_advice|should invest} in index funds.' % T),
    case('topic-financial-shares', 'Before the price rises, you should {%s:financial_advice|buy shares}.' % T),
    case('no-topic-advice-deflect', "I can't give medical, tax or financial advice; a professional can help with that."),
    case('phrase-unfortunately', '{%s|Unfortunately, I cannot} do that.' % P),
    case('phrase-zero-width', '{%s|Unfortunately, I c\u200bannot} do that.' % P),
    case('phrase-soft-hyphen', '{%s|Unfor\u00adtunately, I can\u00adnot} do that.' % P),
    case('phrase-curly', 'Well, {%s|I\u2019m just an AI}.' % P),
    case('phrase-case', '{%s|THAT\'S NOT SOMETHING I CAN HELP WITH}.' % P),
    case('phrase-cyrillic', '{%s|Unfortunately, I cаnnot} help.' % P),
    case('phrase-fullwidth', '{%s|Ｕｎｆｏｒｔｕｎａｔｅｌｙ， Ｉ ｃａｎｎｏｔ} help.' % P),
    case('phrase-extra-space', '{%s|Unfortunately,   I\ncannot} help.' % P),
    case('no-phrase-similar', 'Fortunately, I can help.'),
    case('disclosure-missing', 'Happy to help with that!', turn=1),
    case('disclosure-present', "I'm an AI assistant. For complex issues, I can connect you with a specialist. Happy to help!", turn=1),
    case('disclosure-later-turn', 'Happy to help with that!', turn=2),
    case('disclosure-curly', 'I\u2019m an AI assistant. Happy to help!', turn=1),
]
content[-4]['expect'] = [{'code': 'MISSING_DISCLOSURE', 'span': None, 'kind': 'ai_disclosure'}]
refund_policy = {
    'context': {'kb': [{'id': 'KB-204', 'title': 'Refund policy', 'content': 'Refunds are processed within 5-10 business days. We credit accounts for duplicate charges.', 'tags': ['refund_policy']}]},
}
total += write('content.json', ['COMMITMENT', 'PROHIBITED_TOPIC', 'PROHIBITED_PHRASE', 'MISSING_DISCLOSURE'], {'refund_policy': refund_policy}, content)

print('cases:', total)
