"""The demo's content: Oslo's innovation districts, themes, partners, people, fictional pilots and
their stories (Norwegian texts, as the city writes them)."""

from __future__ import annotations

from tracker.auth.models import Role
from tracker.partners.models import PartnerKind
from tracker.pilots.models import ArenaKind, ProgressState
from tracker.pilots.workflow import Action, Status

DISTRICTS = [  # slug, name, description, focus (nb), description, focus (en)
    ("oslo-science-city", "Oslo Science City",
     "Norges første innovasjonsdistrikt: landets fremste universitet, Nordens største sykehus, "
     "forskningsinstitutter og oppstartsmiljøer rundt Blindern, Gaustad og Forskningsparken.",
     "Life science og helse, forskningsbasert innovasjon, kommersialisering.",
     "Norway's first innovation district: the country's leading university, the largest hospital in "
     "the Nordics, research institutes and start-ups around Blindern, Gaustad and the Research Park.",
     "Life science and health, research-based innovation, commercialisation."),
    ("hovinbyen", "Hovinbyen Sirkulære Oslo",
     "Hovinbyen kobler indre by og Groruddalen og skal transformeres fullstendig: ny kunnskap, "
     "nye løsninger og nye arbeidsplasser innen sirkulærøkonomi.",
     "Sirkulærøkonomi i bygg, anlegg og produksjon.",
     "Hovinbyen links the inner city and Groruddalen and will be transformed completely: new "
     "knowledge, new solutions and new jobs in the circular economy.",
     "Circular economy in construction, civil works and production."),
    ("punkt-oslo", "Punkt Oslo",
     "Et sentrum for innovasjon og entreprenørskap i hjertet av Oslo.",
     "Entreprenørskap, digitale tjenester, byliv.",
     "A centre for innovation and entrepreneurship in the heart of Oslo.",
     "Entrepreneurship, digital services, city life."),
    ("hele-oslo", "Hele Oslo",
     "Hele byen som testarena, og kommunen selv som testarena for nye måter å jobbe på "
     "(forvaltningsinnovasjon).",
     "Forvaltningsinnovasjon, tjenesteinnovasjon på tvers av virksomheter.",
     "The whole city as a test arena, and the municipality itself as a test arena for new ways of "
     "working (public-sector innovation).",
     "Public-sector innovation, service innovation across agencies."),
]

THEMES = [
    ("circular-economy", "Sirkulærøkonomi", "Circular economy"),
    ("construction", "Bygg og anlegg", "Construction"),
    ("life-science-health", "Life science og helse", "Life science and health"),
    ("mobility", "Mobilitet", "Mobility"),
    ("energy-climate", "Energi og klima", "Energy and climate"),
    ("digital-services", "Digitale tjenester", "Digital services"),
    ("public-administration", "Forvaltningsinnovasjon", "Public administration"),
    ("urban-life", "Byliv og kultur", "Urban life and culture"),
]


PARTNERS = [
    ("Universitetet i Oslo", PartnerKind.UNIVERSITY, "https://www.uio.no", False),
    ("OsloMet – storbyuniversitetet", PartnerKind.UNIVERSITY, "https://www.oslomet.no", False),
    ("Oslo universitetssykehus", PartnerKind.HOSPITAL, "https://oslo-universitetssykehus.no", False),
    ("SINTEF", PartnerKind.RESEARCH_INSTITUTE, "https://www.sintef.no", False),
    ("Oslo Science Park", PartnerKind.INCUBATOR, "https://www.oslosciencepark.no", False),
    ("The Life Science Cluster", PartnerKind.CLUSTER_NETWORK, "", False),
    ("Inven2", PartnerKind.INVESTOR, "https://www.inven2.com", False),
    ("Innovasjon Norge", PartnerKind.PUBLIC_AGENCY, "https://www.innovasjonnorge.no", False),
    ("Bymiljøetaten", PartnerKind.PUBLIC_AGENCY, "", False),
    ("Sirkulær Bygg Eksempel AS", PartnerKind.STARTUP, "", True),
    ("Sensorbyen Eksempel AS", PartnerKind.STARTUP, "", True),
    ("Grønn Logistikk Eksempel AS", PartnerKind.COMPANY, "", True),
    ("Frivillighetssentral Eksempel", PartnerKind.VOLUNTARY, "", True),
    ("Nabolagshager (eksempel)", PartnerKind.VOLUNTARY, "", True),
]

# title, district slug, arena kind, theme slugs, final status
PILOTS = [
    ("Ombruk av betongelementer i Hovinbyen", "hovinbyen", ArenaKind.PHYSICAL,
     ["circular-economy", "construction"], Status.RUNNING),
    ("Digital materialbank for kommunale bygg", "hovinbyen", ArenaKind.DIGITAL,
     ["circular-economy", "digital-services"], Status.APPROVED),
    ("Sirkulær byggeplass på Økern", "hovinbyen", ArenaKind.PHYSICAL,
     ["construction", "energy-climate"], Status.SUBMITTED),
    ("Massehåndtering med lokal mellomlagring", "hovinbyen", ArenaKind.PHYSICAL,
     ["construction"], Status.EVALUATED),
    ("Reparasjonsverksted i nabolaget", "hovinbyen", ArenaKind.PHYSICAL,
     ["circular-economy", "urban-life"], Status.COMPLETED),
    ("Felles innkjøp av brukte møbler", "hovinbyen", ArenaKind.ORGANISATIONAL,
     ["circular-economy", "public-administration"], Status.DRAFT),
    ("Sensorer for inneklima i skoler", "oslo-science-city", ArenaKind.PHYSICAL,
     ["life-science-health", "digital-services"], Status.RUNNING),
    ("Hjemmemåling for kronisk syke", "oslo-science-city", ArenaKind.DIGITAL,
     ["life-science-health"], Status.PAUSED),
    ("Testbed for helseteknologi i sykehjem", "oslo-science-city", ArenaKind.PHYSICAL,
     ["life-science-health"], Status.SUBMITTED),
    ("Forskerstøtte i kommunale innkjøp", "oslo-science-city", ArenaKind.ORGANISATIONAL,
     ["public-administration"], Status.EVALUATED),
    ("Studenter som tjenestedesignere", "oslo-science-city", ArenaKind.ORGANISATIONAL,
     ["public-administration", "digital-services"], Status.REJECTED),
    ("Grønn tak-lab på Gaustad", "oslo-science-city", ArenaKind.PHYSICAL,
     ["energy-climate"], Status.COMPLETED),
    ("Åpne data om luftkvalitet", "oslo-science-city", ArenaKind.DIGITAL,
     ["digital-services", "energy-climate"], Status.WITHDRAWN),
    ("Pop-up-lokaler for gründere i sentrum", "punkt-oslo", ArenaKind.PHYSICAL,
     ["urban-life"], Status.RUNNING),
    ("Chatbot for næringsetaten", "punkt-oslo", ArenaKind.DIGITAL,
     ["digital-services"], Status.EVALUATED),
    ("Varelevering med el-sykkel", "punkt-oslo", ArenaKind.PHYSICAL,
     ["mobility", "energy-climate"], Status.APPROVED),
    ("Smart parkering for varebiler", "punkt-oslo", ArenaKind.DIGITAL,
     ["mobility"], Status.SUBMITTED),
    ("Kulturkvartal om kvelden", "punkt-oslo", ArenaKind.PHYSICAL,
     ["urban-life"], Status.DRAFT),
    ("Innovasjonspartnerskap for sykehjemsmat", "hele-oslo", ArenaKind.ORGANISATIONAL,
     ["public-administration", "life-science-health"], Status.RUNNING),
    ("Felles digital postkasse for virksomheter", "hele-oslo", ArenaKind.DIGITAL,
     ["digital-services", "public-administration"], Status.COMPLETED),
    ("Tverretatlig team for bydelsutvikling", "hele-oslo", ArenaKind.ORGANISATIONAL,
     ["public-administration"], Status.EVALUATED),
    ("Bildeling for kommunens ansatte", "hele-oslo", ArenaKind.ORGANISATIONAL,
     ["mobility", "energy-climate"], Status.APPROVED),
    ("Frivillige som digitale veiledere", "hele-oslo", ArenaKind.ORGANISATIONAL,
     ["digital-services", "urban-life"], Status.SUBMITTED),
    ("Kjøpesenter som testarena for gjenbruk", "hele-oslo", ArenaKind.PHYSICAL,
     ["circular-economy"], Status.WITHDRAWN),
    ("Klimabudsjett per bydel", "hele-oslo", ArenaKind.ORGANISATIONAL,
     ["energy-climate", "public-administration"], Status.DRAFT),
    ("Selvbetjent utlån av verktøy", "hovinbyen", ArenaKind.PHYSICAL,
     ["circular-economy", "urban-life"], Status.PAUSED),
    ("KI-støtte til byggesaksbehandling", "hele-oslo", ArenaKind.DIGITAL,
     ["digital-services", "construction"], Status.REJECTED),
    ("Lyngby-samarbeid om talentprogram", "oslo-science-city", ArenaKind.ORGANISATIONAL,
     ["public-administration"], Status.APPROVED),
]

# The path through the workflow that leads to each final demo status.
PATHS: dict[Status, list[tuple[Action, Status]]] = {
    Status.DRAFT: [],
    Status.SUBMITTED: [(Action.SUBMIT, Status.SUBMITTED)],
    Status.APPROVED: [(Action.SUBMIT, Status.SUBMITTED), (Action.APPROVE, Status.APPROVED)],
    Status.REJECTED: [(Action.SUBMIT, Status.SUBMITTED), (Action.REJECT, Status.REJECTED)],
    Status.RUNNING: [(Action.SUBMIT, Status.SUBMITTED), (Action.APPROVE, Status.APPROVED),
                     (Action.START, Status.RUNNING)],
}
PATHS[Status.PAUSED] = [*PATHS[Status.RUNNING], (Action.PAUSE, Status.PAUSED)]
PATHS[Status.COMPLETED] = [*PATHS[Status.RUNNING], (Action.COMPLETE, Status.COMPLETED)]
PATHS[Status.EVALUATED] = [*PATHS[Status.COMPLETED], (Action.EVALUATE, Status.EVALUATED)]
PATHS[Status.WITHDRAWN] = [*PATHS[Status.APPROVED], (Action.WITHDRAW, Status.WITHDRAWN)]

# Needs in real words for some pilots (the search is worth trying on them); others get a generic one.
NEEDS = {
    "Sensorer for inneklima i skoler": "Lærere på flere av skolene melder om hodepine og tung luft i "
    "klasserommene, men ingen vet når CO₂-nivået blir for høyt. Vaktmesterne får klager, ikke data.",
    "Smart parkering for varebiler": "Varebilene leter etter ledig plass, og parkeringsplassen ved torget "
    "er full av privatbiler hele dagen. Sjåførene stopper i sykkelfeltet i stedet.",
    "Varelevering med el-sykkel": "Lastebiler blokkerer gatene i sentrum om morgenen. Statens vegvesen og "
    "Bymiljøetaten ønsker færre tunge kjøretøy i gågatene.",
    "Ombruk av betongelementer i Hovinbyen": "Når kontorbygg rives, knuses hulldekker og betongelementer "
    "som kunne vært brukt på nytt. Det mangler rutiner for å teste og sertifisere dem.",
    "Chatbot for næringsetaten": "Næringsdrivende venter i telefonkø for å få svar om skjenkebevilling og "
    "serveringsbevilling, og de samme spørsmålene kommer hundrevis av ganger i måneden.",
    "Hjemmemåling for kronisk syke": "Pasienter med KOLS og hjertesvikt reiser til legen for målinger de "
    "kunne tatt hjemme. Hjemmetjenesten får vite om forverring for sent.",
    "Åpne data om luftkvalitet": "Foreldre vil vite hvor forurenset skoleveien er, men målestasjonene står "
    "langt unna skolene og dataene er vanskelige å hente ut.",
}
# Lessons in real words, one per evaluated pilot in turn.
LESSONS = [
    "Tidlig involvering av driftsorganisasjonen var avgjørende: vaktmestrene visste hvor sensorene "
    "kunne henge uten å bli ødelagt. Juridiske avklaringer om personvern tok lengre tid enn planlagt.",
    "Massene kunne mellomlagres lokalt i stedet for å kjøres ut av byen, men tillatelsene måtte søkes "
    "hos flere etater. Statens vegvesen måtte godkjenne trafikkløsningen rundt lageret.",
    "Forskerne trengte tilgang til innkjøpsdata tidligere enn avtalt. Et felles møtepunkt hver fjerde uke "
    "gjorde samarbeidet mellom kommunen og universitetet mye enklere.",
    "Chatboten svarte riktig på de vanligste spørsmålene om bevillinger, men innbyggerne ville snakke med "
    "et menneske når saken var sammensatt. Svarene må eies av fagmiljøet, ikke av IT.",
]

COMMENTS = {
    Action.REJECT: "Ligger utenfor distriktets satsingsområder i år.",
    Action.PAUSE: "Venter på avklaring med leverandør.",
    Action.WITHDRAW: "Erstattet av et større prosjekt.",
    Action.RETURN: "Beskriv suksesskriteriene tydeligere.",
}


DEMO_PEOPLE = [
    ("admin@testarena.example", "Ada Admin", Role.ADMIN, [], "Byrådsavdeling for kultur og næring"),
    ("koordinator.osc@testarena.example", "Kari Koordinator", Role.COORDINATOR,
     ["oslo-science-city", "punkt-oslo"], "Næringsetaten"),
    ("koordinator.hovinbyen@testarena.example", "Hassan Hovin", Role.COORDINATOR,
     ["hovinbyen", "hele-oslo"], "Plan- og bygningsetaten"),
    ("saksbehandler@testarena.example", "Sara Saksbehandler", Role.STAFF, [], "Bymiljøetaten"),
    ("radgiver@testarena.example", "Rolf Rådgiver", Role.STAFF, [], "Helseetaten"),
    # The innovation office: reads the whole portfolio (drafts and funding included), changes nothing.
    ("innovasjon@testarena.example", "Inger Innovasjon", Role.VIEWER, [], "Innovasjonskontoret"),
]


# Partners from the network's countries, with their own (fictional, valid) business ids.
NETWORK_PARTNERS = [
    ("Kista Mobilitetslabb Exempel AB", PartnerKind.STARTUP, "SE", "5599112348"),
    ("Lyngby Bylab Eksempel ApS", PartnerKind.COMPANY, "DK", "41234571"),
    ("Oulu Testbed Esimerkki Oy", PartnerKind.RESEARCH_INSTITUTE, "FI", "31234571"),
]
# Districts that publish their pilots' funding in the public register.
PUBLISHES_FUNDING = {"hele-oslo"}


# The demo KPI plan: name, unit, baseline, target, change per progress report (the outcome's KPIs
# have the same names, so evaluated pilots show their actual values on the trend).
KPI_PLAN = [("Tidsbruk per sak", "minutter", 45, 35, -3), ("Brukertilfredshet", "%", 62, 75, 4)]
PROGRESS = [  # state, what happened, what is next
    (ProgressState.ON_TRACK, "Oppstartsmøte med alle partnere er holdt, og de første brukerne er i gang.",
     "Samle inn målinger for første måned og justere opplæringen."),
    (ProgressState.AT_RISK, "Leveransen av utstyr er forsinket tre uker. Brukerne er fornøyde så langt.",
     "Avklare ny leveransedato med leverandøren og informere styringsgruppen."),
    (ProgressState.ON_TRACK, "Utstyret er levert, og målingene viser kortere saksbehandlingstid.",
     "Forberede midtveisevaluering sammen med Oslo kommunes innovasjonsenhet."),
    (ProgressState.OFF_TRACK, "Leverandøren har trukket seg, og testen står stille.",
     "Styringsgruppen avgjør om piloten skal settes på pause eller få ny leverandør."),
]
# Which reports each demo pilot gets, in order: its latest state is on track, at risk or off track.
PROGRESS_STORIES = [(0, 1, 2), (0, 2, 1), (0, 1, 3)]


DEMO_CHANGE_REQUEST = "Digital materialbank for kommunale bygg"
