/**
 * Small word lists for the name, address and organisation recognisers: written for this project
 * from general knowledge (postal addressing conventions such as USPS Publication 28 street
 * suffixes and UPU address formats, company-law legal forms, ISO 3166 country names). Lower case.
 */

const words = (s: string): Set<string> => new Set(s.trim().split(/\s+/));

/** Honorifics and titles that precede a person's name. */
export const TITLES = words(`
mr mrs ms miss mx dr prof sir dame madam madame mme mlle mister missus herr frau fräulein sr sra srta
señor señora don doña dott dottor dottoressa sig sig.ra signor signora monsieur lord lady rev reverend
fr father sister brother capt captain col colonel gen general lt lieutenant sgt sergeant maj major
judge justice hon senator sen rep governor gov president mayor rabbi imam sheikh pastor bishop
`);

/** Words just before a name: "Dear X", "says X", "name is X". */
export const PERSON_CUES = words(`
dear hi hello hey thanks thank regards cheers sincerely says said asked told wrote replied i'm im am
producer director directed starring featuring
named called signed cc attn attention contact ask
`);

/**
 * Capitalised words that are not names at the start of a sentence or in headings. Mixed-case
 * words in this list are never taken as names on their own.
 */
export const STOP = words(`
the a an this that these those it its he she they we you i me my your his her our their them us him
in on at for from to with by of and but or nor if when while after before since because as so then
there here what who whom whose which where why how please thanks thank hello hi dear yes no not
can could would should will shall may might must do does did is are was were be been being have has
had let lets also just only all any some each every both either neither one two three four five six
seven eight nine ten first second third last next new old good great best big small other another
such same own many much more most few less least very really quite about above across against along
among around behind below beneath beside between beyond down during except inside into like near off
onto out outside over past through throughout till toward towards under until up upon within without
mr mrs ms dr prof sir madam monday tuesday wednesday thursday friday saturday sunday january february
march april may june july august september october november december today tomorrow yesterday tonight
morning evening night week month year years day days street avenue road lane drive boulevard apt
apartment suite unit box phone mobile fax email e-mail website web address name date title personal
info information desk office billing shipping company inc ltd llc bank university orchestra god
christmas easter ok okay sorry welcome world everyone everybody guys folks team note subject re fw fwd dear hey hope well maybe perhaps
however therefore meanwhile although though yet still even never always often sometimes usually
now soon later again once twice why because unfortunately fortunately finally actually basically
here's there's it's i'm i'll i've i'd you're we're they're he's she's that's what's let's don't can't
won't isn't aren't wasn't weren't didn't doesn't haven't hasn't hadn't shouldn't wouldn't couldn't
mobile desk home work cell tel telephone website url http https www com org net
north south east west northern southern eastern western central upper lower greater saint st
english french german spanish italian portuguese dutch swedish danish norwegian finnish icelandic
polish czech slovak hungarian romanian bulgarian greek turkish russian ukrainian chinese japanese
korean vietnamese thai indian arabic hebrew persian african american european asian australian
canadian mexican brazilian argentinian british irish scottish welsh swiss austrian belgian
action adventure animation comedy drama horror mystery suspense thriller kids family documentary
music musical romance fantasy science fiction western crime war history sport sports
directed written produced starring genre rating runtime release released cast crew
article treaty union act title chapter section part
user users customer customers client clients team staff manager admin administrator support service
order orders account accounts payment payments card cards credit debit number numbers code codes
price total amount balance limit transaction transactions refund invoice receipt delivery package
question questions answer answers problem problems issue issues help error errors request requests
update updates status report reports data file files document documents page pages system systems
api json xml html css sql python java javascript typescript rust go ruby php swift kotlin linux
windows mac macos ios android google microsoft apple amazon facebook meta twitter openai anthropic
`);

/** Given names that are also ordinary English words: never a name on their own. */
export const AMBIGUOUS_FIRST = words(`
will may june april august grace hope faith joy mark bill rose summer autumn dawn guy jack frank art
sunny hunter chase miles pat sue don ray rich bob gene dean earl glen lane sky river lily ivy holly
iris violet ruby pearl crystal amber jasmine olive penny ginger candy destiny harmony melody angel
king prince major page paris london victoria florence georgia virginia carolina sydney dallas austin
jordan india kenya china chad jean van von de la le do long young white black green brown gray grey
ash bo cash clay cliff dale drew ford forest gil hall hill heath ken kim lee max may neil nick norm
pierce reed rob rod roman sage saul sol tad terry tony victor wade ward warren wes will win august
page paige lincoln madison jackson washington jefferson hudson harper carter cooper taylor parker
spencer mason bishop nelson morgan sterling price sterling rocky stone storm tyler wolf fox bear
said sayed emerald mercedes porsche tesla siri alexa ada golang julia ruby rust scala kotlin dart elixir
link zelda ajax apollo atlas hermes iris juno luna mars nova orion phoenix titan venus
`);

/** Name particles that may sit inside a full name (lower case in text). */
export const PARTICLES = words(
  `van von der den de del della di da das dos du le la bin ibn al el ben ter ten af zu y`,
);

/** Street types written after the street name (USPS Publication 28 suffixes and common others). */
export const STREET_SUFFIX = words(`
street st str avenue ave av road rd lane ln drive dr boulevard blvd court ct place pl way terrace ter
circle cir parkway pkwy highway hwy square sq crescent cres close row alley aly trail trl gardens gdns
grove park pike plaza point pt ridge run walk loop mews wharf quay hill hills heights hts view vista
meadow meadows mill mills crossing xing bend bluff brook burg center ctr cove creek estates expressway
expy falls ferry field fields fork forks freeway fwy glen green harbor harbour haven island junction
jct key knoll lake lakes landing manor mount mountain orchard pass passage path pines port prairie
ranch rapids rest route shore shores spring springs station stream summit trace track turnpike tpke
union valley village ville vista well wells drove gate broadway esplanade embankment parade rise
strasse straße gasse weg allee platz gata gatan vej vegen veien laan straat kuja tie katu utca ut ring
`);

/** Street types written before the name (Romance, Slavic, Hungarian, …) and abbreviations. */
export const STREET_PREFIX = words(`
rue via viale vicolo corso piazza piazzetta piazzale largo strada calle carrer camino avenida av avda
paseo plaza pasaje rua travessa praça praca alameda estrada rodovia ul ulica ulice ulitsa ulitsa utca
trg namesti náměstí nábřeží bulevar bulevardul strada str calea splaiul chemin route allée allee
boulevard bd place impasse quai cours rambla passeig ronda cesta aleja osiedle plac rua rúa c/ carretera vía
`);

/** Endings of compound street names (German, Dutch, Nordic, Finnish, Hungarian, Czech, …). */
export const STREET_ENDINGS = [
  "straße",
  "strasse",
  "str.",
  "gasse",
  "weg",
  "allee",
  "platz",
  "ring",
  "damm",
  "ufer",
  "steig",
  "pfad",
  "chaussee",
  "straat",
  "laan",
  "plein",
  "gracht",
  "kade",
  "dreef",
  "singel",
  "vej",
  "vejen",
  "gade",
  "allé",
  "vägen",
  "vagen",
  "väg",
  "gatan",
  "gata",
  "gränd",
  "stigen",
  "backe",
  "veien",
  "vegen",
  "gata",
  "katu",
  "tie",
  "kuja",
  "polku",
  "raitti",
  "tanhua",
  "kaari",
  "rinne",
  "utca",
  "körút",
  "út",
  "tér",
  "ulice",
  "ova",
  "braut",
  "vegur",
  "stræti",
  "gränd",
  "sund",
];

/** Company legal forms and organisation words (company law of the respective countries). */
export const ORG_SUFFIX = words(`
inc inc. incorporated corp corp. corporation co co. company ltd ltd. limited llc l.l.c. llp lp plc
gmbh ag kg ohg se sa s.a. sas sarl s.a.r.l. srl s.r.l. spa s.p.a. bv b.v. nv n.v. ab oy oyj as asa aps
a/s kk pty pte sdn bhd ohg kft zrt nyrt sp s.r.o. a.s. d.o.o. ad ooo pjsc jsc
`);

/** Words that end an organisation name ("Rapid Cycle Solutions", "Palantir Technologies"). */
export const ORG_WORDS = words(`
group holdings holding technologies technology tech solutions systems labs laboratories partners
associates industries enterprises ventures capital bank bancorp foundation institute university
college school academy society association agency services consulting consultants media networks
software motors airlines airways lines logistics pharmaceuticals pharma therapeutics biosciences
insurance trust fund funds studios studio entertainment productions records publishing press
international global worldwide unlimited hospital clinic council committee commission ministry
department authority orchestra club league federation union cooperative brands foods restaurants
hotels resorts realty properties construction engineering energy electric power telecom
communications analytics robotics dynamics digital interactive games computing
`);

/** Words that introduce an organisation: "works at X", "joined X". */
export const ORG_CUES = words(`at for of with joined joining employed employer company firm startup`);

/** Country and territory names (ISO 3166 short names, single or first word), lower case. */
export const PLACES = words(`
afghanistan albania algeria andorra angola argentina armenia australia austria azerbaijan bahamas
bahrain bangladesh barbados belarus belgium belize benin bhutan bolivia bosnia botswana brazil brunei
bulgaria burkina burundi cambodia cameroon canada chad chile china colombia comoros congo costa
croatia cuba cyprus czechia czech denmark djibouti dominica dominican ecuador egypt salvador eritrea
estonia eswatini ethiopia fiji finland france gabon gambia georgia germany ghana greece greenland
grenada guatemala guinea guyana haiti honduras hungary iceland india indonesia iran iraq ireland
israel italy jamaica japan jordan kazakhstan kenya kiribati korea kosovo kuwait kyrgyzstan laos
latvia lebanon lesotho liberia libya liechtenstein lithuania luxembourg madagascar malawi malaysia
maldives mali malta mauritania mauritius mexico micronesia moldova monaco mongolia montenegro
morocco mozambique myanmar namibia nauru nepal netherlands zealand nicaragua niger nigeria
macedonia norway oman pakistan palau palestine panama paraguay peru philippines poland portugal
qatar romania russia rwanda samoa marino arabia senegal serbia seychelles sierra singapore slovakia
slovenia somalia africa spain lanka sudan suriname sweden switzerland syria taiwan tajikistan
tanzania thailand togo tonga trinidad tunisia turkey turkmenistan tuvalu uganda ukraine emirates
kingdom states uruguay uzbekistan vanuatu vatican venezuela vietnam yemen zambia zimbabwe
england scotland wales britain europe asia america antarctica oceania
london paris berlin madrid rome vienna prague budapest warsaw moscow athens lisbon dublin amsterdam
brussels copenhagen stockholm oslo helsinki reykjavik tallinn riga vilnius bern zurich geneva milan
munich hamburg frankfurt barcelona valencia seville porto naples florence venice lyon marseille
toronto montreal vancouver ottawa chicago boston seattle houston dallas austin denver atlanta miami
york angeles francisco diego washington philadelphia phoenix detroit tokyo osaka kyoto seoul beijing
shanghai hong kong taipei bangkok manila jakarta delhi mumbai bangalore chennai kolkata karachi dubai
cairo lagos nairobi johannesburg sydney melbourne brisbane perth auckland wellington sao rio buenos
lima bogota santiago caracas havana nicosia
`);
