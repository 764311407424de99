// More given names and surnames across languages (English, German, French, Spanish, Italian, Dutch,
// Polish, Nordic, Slavic, Hungarian, Czech, Greek, Turkish, Arabic, Indian, East Asian), written for
// this project from general knowledge of common names, the way fake-data libraries list them.
// Lower-cased; the person detector matches them case-insensitively only in pairs or after a cue,
// and a single capitalised given name only when it is not also a common word (AMBIGUOUS).

const GIVEN = `
aaliyah abby abdul abdullah abel abraham ada adalbert adele adelina adeline adrianna adriana agata agathe
agnete ahmad aiden aileen aimee aisha akira alain alan alana albin aldo aleksandr aleksei alena alessio
alexa alexei alfie alfredo alisha alison alistair allan allison alois alva alvaro amalia amanda amber
ambra amir amy anastasia anders andre andré andrea andrei andres andrés andy angel angelica angelina
angus anil anja anke ann-kathrin anna-lena annabelle annalena anneke annette anthony antje antonella
anya april ariana ariane ariel arjun armando arnaud arnold arturo arvid ashley ashok asia aston astrid
august augusta aurora austin ayla ayse aziz barbora barry bastian beata beate beatrix becky bella benedetta
benno bente berit bernadette bernhard berta bertrand beth bethany betty beverly bill billy birte blanca
bob bobby bonnie boris brad bradley brandon brenda brett bridget brigitte britt brittany brooke bruce
bryan burak caitlin caleb callum calvin cameron camila candice cara carina carl carlotta carmela carol
caroline carolyn carrie carsten casey cassandra catalina caterina cathy cecile cecilie celina celine
céline cesar chad chantal charlie charlene chelsea cheryl chester chiara chloe christa christel christina
christof christophe cindy claes clarissa claudine clemens cody colleen connor conrad constance constantin
corinna cornelia courtney craig cristian cristiano curtis cynthia dale damien dan dana danielle danny
daria darius darko darren dave dawn dean deborah debra declan deepak denis denise derek desiree devon
diane dick dimitri dimitris dina dolores dominic dominique donald donna doris dorothea dorothy doug douglas
duncan dustin dylan edgar edith edoardo edwin eileen elaine elena eleni elias elif eliza ellen ellie
elliot eloise elsa emre emilie emilio emmanuel erica erika erin ernesto esra estelle esteban ester
ethel eugen eugene eugenia evan evelyn ewelina fabrizio faith farah farid felicia felipe felix fernand
fernanda fernando filip filippo fiona florian francesca francesco francis francisco franco frank franz
françois frederic frederik frida fritz gabriel gabriela gabriele gabrielle gareth gary gaspard gavin
gemma genevieve geoffrey georg george georgia gerald gerard gerda gerhard gianluca gianni gilbert gina
giorgio giovanna giovanni girish gisela giulia giulio giuseppe gloria gonzalo gordon graham greg gregor
gregory greta gudrun guido guillaume gunnar günter gustav gustavo hakan hamid hanna hannah hannes hans
harald harold harriet harry harvey hassan hayley heather hector heidi heike heinz helen helena helga
helmut hendrik henri henrik henry herbert hilde hiroshi holger howard hubert hugh hugo hussein ian ibrahim
ida ignacio igor ilse imke inês inga inge ingrid irene irina iris isaac isabel isabella isabelle ivan
ivana ivo jack jackie jackson jacob jacqueline jakob jakub jamal james jamie jan jana janet
janice janina janine jaroslav jasmin jasmine jason javier jay jean jeanne jeff jeffrey jelena jennifer
jenny jens jeremy jerome jerry jesper jesse jessica jesús jill jim jimmy jiri jiří joachim joan joanna
joe joel johan johanna johannes john jon jonas jonathan jordi jorge jose josé josef joseph josephine
joshua josé-luis juan judith julia julian juliana julie julien julio juliusz justin justyna kendra jürgen
kai kamil karen karin karina karl karolina kasper katarina katarzyna kate katharina katherine kathleen
kathrin kathryn katie katja katrin kay keith kelly ken kenneth kerstin kevin kim kimberly kirsten klaus
konrad kristian kristin kristina krzysztof kurt kyle lara larry lars laszlo laura lauren laurence laurent
lea leah lena lennart leo leon leonard leonardo leonie leslie levi liam lilly lina linda lindsay lisa
liv lorenzo lorraine louis louise luc luca lucas lucia lucy ludwig luis luisa lukas łukasz luke lydia
lynn magdalena magnus maja malgorzata małgorzata manfred manon manuel manuela marc marcel marcin marco
marcus margaret margarethe margit margot maria marianne marie marina mario marion marius marjorie mark
marko markus marlene marta martha martin martina marvin mary maryam mateo mateusz mathias mathilde
mathieu matilda matteo matthew matthias maurice mauro max maxime maximilian megan mehmet melanie melissa
mia michael michaela michal michał micheal michel michele michelle miguel mikael mike mikkel milan
milena miriam mirko mohamed mohammed monica monika morgan moritz muhammad nadia nadine nancy naomi
natalia natalie nathalie nathan neil nicholas nicola nicolas nicole niklas nikola nikolai nils nina
noah noemi nora norbert oliver olivia olga omar oscar oskar otto pablo paolo pascal patricia patrick
paul paula paulina pawel paweł pedro peggy per petra philip philipp phillip pierre piotr pia rachel
rafael rainer ralf ralph ramon ramón raphael rebecca regina reinhard renata rené ricardo rick rita robin
rodrigo roger roland rolf ronald ronja rosa rosalie ross roy rudolf russell ruth sabrina sally salvatore
samantha sami samira sandro sanjay sara scott sean selin serena sergei shannon sharon shawn sheila shelby
shirley sidney siegfried sigrid silke simona sina sinead siobhan sonja sophia stacy stanislaw stefanie
stella stephanie stephen steve stig stuart sune susan suzanne svenja sylvia tamara tanja tanya tatiana taylor
teresa terry thea theresa thomas thorsten tiffany tilde timothy tina tobias todd tomás toni tony tove
tracy travis trevor tyler ulrike ursula valentina valérie vanessa vasco veronica veronika vicente
viktor viktoria vincenzo viola virginia vivian vladimir walter wanda wayne wendy werner wiebke
wilhelm willem wim xavier yasmin yusuf yves zachary zeynep zoe zoltan zoé zsófia
`;

const SURNAMES = `
abbott acosta adams aguilar ahmed alexander ali allen alonso alvarez álvarez andersen anderson andersson
andrews armstrong arnold bailey baker bakker ball barnes barrett bauer baumann becker bell bennett berg
berger bergström bianchi bishop black blanco bos bosch boyd bradley brandt braun brooks brown bruno
bryant burke burns butler byrne caballero campbell carlsson carter castillo castro chapman chen clark
clarke cole coleman collins colombo conti cook cooper costa cox crawford cruz cunningham davies davis
de jong dekker delgado diaz díaz dijkstra dixon dubois dumont duncan dupont durand edwards eklund
ellis erikson eriksson evans fabbri fernandez fernández ferrari ferrara ferguson fischer fisher fleming
flores ford foster fox francis franke friedrich fuchs fuller galli garcia garcía gardner gibson gomez
gómez gonzalez gonzález gordon graham grant gray green greco griffin gustafsson hahn hall hamilton
hansen hanson harris harrison hart hartmann hawkins hayes henderson hendriks herrera hernandez hernández
hill hoffmann hofmann holmes horvat horváth howard hughes hunt hunter jackson jacobs jakobsen james
jansen janssen jenkins jensen jimenez jiménez johansson johnson johnston jones jordan kaiser kaminski
kamiński keller kelly kennedy king klein knight koch kovac kovač kovács kowalczyk kowalska kowalski
krause krüger kuhn kumar lambert lang lange larsen larsson laurent lee lehmann leroy lewis lind
lindberg lindqvist lindström lopez lópez lorenz lozano lund lundberg lundgren maier marchetti marino
marshall martin martinez martínez mason matthews mayer mcdonald meier meijer mendez méndez meyer
michel miller mills mitchell molina moore morales moreau moreno morgan morris mortensen müller muller
murphy murray myers navarro nelson neumann newman nguyen nielsen nilsson nowak nowakowski olsen olson
ortiz otto owens palmer parker patel payne pearson peeters perez pérez perry petersen peterson pettersson
phillips pierce powell price ramirez ramírez ramos reed reyes reynolds ricci richard richards richardson
rivera rizzo robertson robinson rodriguez rodríguez rogers romano romero rose ross rossi roux ruiz
russell russo ryan sanchez sánchez sanders santos schäfer schmid schmidt schmitt schneider scholz
schröder schubert schulz schwarz scott shaw simmons simon simpson smith smits snyder sommer sorensen
sørensen spencer stewart stone sullivan svensson szabó tanaka taylor thomas thompson thomsen torres
tucker turner van dijk vasquez vega vermeulen visser vogel wagner walker wallace walsh ward warren
watson weber webb wells west white wiley williams willis wilson wiśniewski wojcik wójcik wolf wood
woods wright wu young zimmermann
`;

// Given names that are also common words or places: alone they need a cue, in pairs they count.
const AMBIGUOUS_WORDS = `
amber angel april august austin bill bob bonnie brooke chase crystal dawn dean faith frank georgia gloria
grace hope iris ivy jack jade jordan joy june lily mark may max miles paris pat penny rose ruby sky
summer victoria virginia will florence olive art ray rich sunny page early sterling lincoln chester
sidney kay per jean ken dick asia milan jan roger sally dale ross nan don gene bella
sue carol

`;

// Surnames that are also common words or places: they need a known given name in front.
const WORDY_SURNAMES = `
bell black brown ford fox green gray hill king lang long mason rose stone west white wood woods young price
reed hunt hart cook baker bishop ball grant knight marshall cooper turner parker carter porter fisher
miller palmer spencer webb wells wolf vogel otto simon james thomas martin francis jordan morgan richard
michel russell gordon graham duncan howard kelly ross ryan scott walker ward warren lee burns cole
`;

const words = (s: string): string[] => s.split(/\s+/).filter((w) => w.length > 0);

export const GIVEN_NAMES: ReadonlySet<string> = new Set(words(GIVEN));
export const SURNAME_SET: ReadonlySet<string> = new Set(words(SURNAMES));
export const AMBIGUOUS: ReadonlySet<string> = new Set(words(AMBIGUOUS_WORDS));
export const WORDY_SURNAME_SET: ReadonlySet<string> = new Set(words(WORDY_SURNAMES));
