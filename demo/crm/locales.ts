// Per-country tables for the fake customers: common given names and surnames paired at random,
// real city names with the right postal-code and phone shapes, so a PII masker meets the
// formats it will meet in production. Patterns use the syntax of Random.pattern.

export type CountryCode = 'DE' | 'FR' | 'ES' | 'IT' | 'NL' | 'PL' | 'SE';

export const COUNTRIES: readonly CountryCode[] = ['DE', 'FR', 'ES', 'IT', 'NL', 'PL', 'SE'];

export interface City {
  name: string;
  postalCode: string;
  /** Landline in international format for this city's area code. */
  landline: string;
  /** IT: cadastral (Belfiore) code used in the codice fiscale. FR: département used in the NIR. */
  birthCode?: string;
}

export interface Locale {
  given: { female: readonly string[]; male: readonly string[] };
  surnames: readonly string[];
  streets: readonly string[];
  /** Where the house number goes. */
  formatStreet: (street: string, houseNumber: number) => string;
  cities: readonly City[];
  mobile: readonly string[];
}

const numberAfter = (street: string, n: number): string => `${street} ${n}`;

export const LOCALES: Readonly<Record<CountryCode, Locale>> = {
  DE: {
    given: {
      female: ['Anna', 'Lena', 'Katrin', 'Sabine', 'Jana', 'Miriam', 'Ute', 'Greta'],
      male: ['Lukas', 'Jonas', 'Matthias', 'Tobias', 'Stefan', 'Uwe', 'Felix', 'Henrik'],
    },
    surnames: ['Müller', 'Schneider', 'Fischer', 'Weber', 'Becker', 'Hoffmann', 'Schäfer', 'Krüger'],
    streets: ['Lindenstraße', 'Gartenweg', 'Bahnhofstraße', 'Am Mühlbach', 'Schillerstraße', 'Birkenallee'],
    formatStreet: numberAfter,
    cities: [
      { name: 'Berlin', postalCode: '10###', landline: '+49 30 N### ####' },
      { name: 'München', postalCode: '80###', landline: '+49 89 N### ####' },
      { name: 'Hamburg', postalCode: '20###', landline: '+49 40 N### ####' },
      { name: 'Köln', postalCode: '50###', landline: '+49 221 N## ####' },
    ],
    mobile: ['+49 151 N### ####', '+49 160 N### ####', '+49 176 N### ####'],
  },
  FR: {
    given: {
      female: ['Camille', 'Léa', 'Manon', 'Chloé', 'Élodie', 'Margaux', 'Inès', 'Sophie'],
      male: ['Julien', 'Antoine', 'Mathieu', 'Nicolas', 'Théo', 'Hugo', 'Olivier', 'Rémi'],
    },
    surnames: ['Martin', 'Bernard', 'Dubois', 'Lefèvre', 'Moreau', 'Laurent', 'Girard', 'Fontaine'],
    streets: [
      'rue des Lilas',
      'avenue Victor Hugo',
      'rue de la Paix',
      'boulevard Voltaire',
      'impasse des Tilleuls',
    ],
    formatStreet: (street, n) => `${n} ${street}`,
    cities: [
      { name: 'Paris', postalCode: '7501#', landline: '+33 1 N# ## ## ##', birthCode: '75' },
      { name: 'Lyon', postalCode: '6900#', landline: '+33 4 N# ## ## ##', birthCode: '69' },
      { name: 'Marseille', postalCode: '130##', landline: '+33 4 9# ## ## ##', birthCode: '13' },
      { name: 'Bordeaux', postalCode: '330##', landline: '+33 5 5# ## ## ##', birthCode: '33' },
    ],
    mobile: ['+33 6 ## ## ## ##', '+33 7 N# ## ## ##'],
  },
  ES: {
    given: {
      female: ['Lucía', 'María', 'Carmen', 'Elena', 'Paula', 'Marta', 'Nuria', 'Alba'],
      male: ['Javier', 'Alejandro', 'Pablo', 'Sergio', 'Diego', 'Álvaro', 'Iker', 'Raúl'],
    },
    surnames: ['García', 'Fernández', 'López', 'Martínez', 'Sánchez', 'Romero', 'Navarro', 'Torres'],
    streets: [
      'Calle Mayor',
      'Avenida de la Constitución',
      'Calle del Sol',
      'Paseo de las Acacias',
      'Calle Real',
    ],
    formatStreet: (street, n) => `${street}, ${n}`,
    cities: [
      { name: 'Madrid', postalCode: '280##', landline: '+34 91N ### ###' },
      { name: 'Barcelona', postalCode: '080##', landline: '+34 93N ### ###' },
      { name: 'Valencia', postalCode: '460##', landline: '+34 96N ### ###' },
      { name: 'Sevilla', postalCode: '410##', landline: '+34 95N ### ###' },
    ],
    mobile: ['+34 6## ### ###', '+34 71# ### ###'],
  },
  IT: {
    given: {
      female: ['Giulia', 'Chiara', 'Francesca', 'Sara', 'Elisa', 'Martina', 'Silvia', 'Valentina'],
      male: ['Marco', 'Luca', 'Andrea', 'Matteo', 'Davide', 'Stefano', 'Paolo', 'Giorgio'],
    },
    surnames: ['Rossi', 'Bianchi', 'Romano', 'Colombo', 'Ricci', 'Marino', 'Greco', 'Bruno'],
    streets: [
      'Via Garibaldi',
      'Via Roma',
      'Corso Vittorio Emanuele',
      'Via dei Mille',
      'Piazza della Repubblica',
    ],
    formatStreet: (street, n) => `${street}, ${n}`,
    cities: [
      { name: 'Roma', postalCode: '001##', landline: '+39 06 N### ####', birthCode: 'H501' },
      { name: 'Milano', postalCode: '201##', landline: '+39 02 N### ####', birthCode: 'F205' },
      { name: 'Napoli', postalCode: '801##', landline: '+39 081 N## ####', birthCode: 'F839' },
      { name: 'Torino', postalCode: '101##', landline: '+39 011 N## ####', birthCode: 'L219' },
    ],
    mobile: ['+39 32# ### ####', '+39 33# ### ####', '+39 34# ### ####'],
  },
  NL: {
    given: {
      female: ['Sanne', 'Fleur', 'Anouk', 'Lotte', 'Eva', 'Femke', 'Maartje', 'Noor'],
      male: ['Daan', 'Bram', 'Joost', 'Sander', 'Thijs', 'Ruben', 'Pieter', 'Wouter'],
    },
    surnames: ['de Jong', 'Jansen', 'de Vries', 'van Dijk', 'Bakker', 'Visser', 'Smit', 'Meijer'],
    streets: ['Dorpsstraat', 'Kerkweg', 'Molenlaan', 'Prinsengracht', 'Stationsplein', 'Lindelaan'],
    formatStreet: numberAfter,
    cities: [
      { name: 'Amsterdam', postalCode: '10## LL', landline: '+31 20 N## ####' },
      { name: 'Rotterdam', postalCode: '30## LL', landline: '+31 10 N## ####' },
      { name: 'Utrecht', postalCode: '35## LL', landline: '+31 30 N## ####' },
      { name: 'Den Haag', postalCode: '25## LL', landline: '+31 70 N## ####' },
    ],
    mobile: ['+31 6 1### ####', '+31 6 2### ####', '+31 6 4### ####', '+31 6 5### ####'],
  },
  PL: {
    given: {
      female: ['Agnieszka', 'Katarzyna', 'Zofia', 'Magdalena', 'Joanna', 'Ewa', 'Natalia', 'Alicja'],
      male: ['Piotr', 'Tomasz', 'Krzysztof', 'Paweł', 'Michał', 'Jakub', 'Marek', 'Bartosz'],
    },
    // Surnames whose form does not change with gender, so no declension table is needed.
    surnames: ['Nowak', 'Wójcik', 'Kowalczyk', 'Woźniak', 'Mazur', 'Krawczyk', 'Kaczmarek', 'Zając'],
    streets: [
      'ul. Długa',
      'ul. Kwiatowa',
      'ul. Polna',
      'al. Niepodległości',
      'ul. Słoneczna',
      'ul. Ogrodowa',
    ],
    formatStreet: numberAfter,
    cities: [
      { name: 'Warszawa', postalCode: '02-###', landline: '+48 22 N## ## ##' },
      { name: 'Kraków', postalCode: '31-###', landline: '+48 12 N## ## ##' },
      { name: 'Gdańsk', postalCode: '80-###', landline: '+48 58 N## ## ##' },
      { name: 'Wrocław', postalCode: '51-###', landline: '+48 71 N## ## ##' },
    ],
    mobile: ['+48 50# ### ###', '+48 60# ### ###', '+48 69# ### ###', '+48 79# ### ###'],
  },
  SE: {
    given: {
      female: ['Astrid', 'Elsa', 'Maja', 'Ingrid', 'Linnea', 'Sofia', 'Karin', 'Ebba'],
      male: ['Erik', 'Lars', 'Oskar', 'Nils', 'Gustav', 'Anders', 'Johan', 'Axel'],
    },
    surnames: ['Andersson', 'Johansson', 'Karlsson', 'Nilsson', 'Eriksson', 'Lindqvist', 'Berg', 'Holm'],
    streets: ['Storgatan', 'Drottninggatan', 'Kyrkvägen', 'Skolgatan', 'Björkvägen', 'Strandvägen'],
    formatStreet: numberAfter,
    cities: [
      { name: 'Stockholm', postalCode: '1## ##', landline: '+46 8 N## ### ##' },
      { name: 'Göteborg', postalCode: '4## ##', landline: '+46 31 N## ## ##' },
      { name: 'Malmö', postalCode: '2## ##', landline: '+46 40 N## ## ##' },
      { name: 'Uppsala', postalCode: '75# ##', landline: '+46 18 N## ## ##' },
    ],
    mobile: ['+46 70 N## ## ##', '+46 72 N## ## ##', '+46 73 N## ## ##', '+46 76 N## ## ##'],
  },
};
