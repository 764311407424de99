// Country names (English, plus the native names of the default regions), lower-cased; written
// from general knowledge. A country is part of a postal address or a place of residence.

export const COUNTRIES: readonly string[] = `
afghanistan|albania|algeria|andorra|angola|argentina|armenia|australia|austria|azerbaijan|bahamas|bahrain|
bangladesh|barbados|belarus|belgium|belize|benin|bhutan|bolivia|bosnia and herzegovina|botswana|brazil|
brunei|bulgaria|burkina faso|burundi|cambodia|cameroon|canada|cape verde|central african republic|chad|
chile|china|colombia|comoros|congo|costa rica|croatia|cuba|cyprus|czech republic|czechia|denmark|djibouti|
dominica|dominican republic|ecuador|egypt|el salvador|equatorial guinea|eritrea|estonia|eswatini|ethiopia|
fiji|finland|france|gabon|gambia|georgia|germany|ghana|greece|grenada|guatemala|guinea|guinea-bissau|
guyana|haiti|honduras|hong kong|hungary|iceland|india|indonesia|iran|iraq|ireland|israel|italy|
ivory coast|côte d'ivoire|jamaica|japan|jordan|kazakhstan|kenya|kiribati|kosovo|kuwait|kyrgyzstan|laos|
latvia|lebanon|lesotho|liberia|libya|liechtenstein|lithuania|luxembourg|madagascar|malawi|malaysia|
maldives|mali|malta|mauritania|mauritius|mexico|moldova|monaco|mongolia|montenegro|morocco|mozambique|
myanmar|namibia|nauru|nepal|netherlands|new zealand|nicaragua|niger|nigeria|north korea|north macedonia|
macedonia|norway|oman|pakistan|palau|palestine|panama|papua new guinea|paraguay|peru|philippines|poland|
portugal|puerto rico|qatar|romania|russia|russian federation|rwanda|saint lucia|samoa|san marino|
são tomé and príncipe|sao tome and principe|saudi arabia|senegal|serbia|seychelles|sierra leone|singapore|
slovakia|slovenia|solomon islands|somalia|south africa|south korea|south sudan|spain|sri lanka|sudan|
suriname|sweden|switzerland|syria|taiwan|tajikistan|tanzania|thailand|timor-leste|togo|tonga|
trinidad and tobago|tunisia|turkey|türkiye|turkmenistan|tuvalu|uganda|ukraine|united arab emirates|
united kingdom|united states|united states of america|uruguay|uzbekistan|vanuatu|vatican city|venezuela|
vietnam|viet nam|yemen|zambia|zimbabwe|usa|deutschland|österreich|schweiz|suisse|svizzera|españa|italia|
nederland|polska|sverige|belgië|belgique|danmark|norge|suomi|éire|россия
`
  .split('|')
  .map((c) => c.trim())
  .filter((c) => c.length > 0);

/** Countries that are also given names or common words: an address needs a postal code with them. */
export const COUNTRY_NAMES_TOO: ReadonlySet<string> = new Set([
  'chad',
  'jordan',
  'georgia',
  'turkey',
  'china',
  'guinea',
  'mali',
  'niger',
  'oman',
]);
