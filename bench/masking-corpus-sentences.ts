// Free-text templates in the eight languages of the demo customers: what support tickets, chat
// messages and e-mails carry. Many shapes per entity type, so scores are not tuned to one sentence.

import { s, type Template, template } from './masking-corpus-build.ts';
import {
  address,
  addressWithCountry,
  card,
  dateOfBirth,
  email,
  esNie,
  givenName,
  iban,
  idCard,
  ipv4,
  ipv6,
  jwt,
  mac,
  nationalId,
  passport,
  person,
  phone,
  secret,
  surname,
  ukNhs,
  ukNino,
  usSsn,
} from './masking-corpus-values.ts';

const t = template('sentence');

export const SENTENCE_TEMPLATES: readonly Template[] = [
  // English
  t('en-contact', 'en', ({ r, c }) => s`Contact ${person(r, c)} at ${email(r, c)} or ${phone(r, c)}.`),
  t('en-contact-short', 'en', ({ r, c }) => s`Contact ${email(r, c)} or ${phone(r, c)}`),
  t(
    'en-refund-card',
    'en',
    ({ r, c }) => s`Please refund the charge on card ${card(r)}, cardholder ${person(r, c)}.`,
  ),
  t('en-iban', 'en', ({ r, c }) => s`My IBAN is ${iban(r, c)} and the account holder is ${person(r, c)}.`),
  t('en-ssn', 'en', ({ r }) => s`His social security number is ${usSsn(r)}`),
  t(
    'en-ssn-form',
    'en',
    ({ r, c }) => s`Applicant: ${person(r, c)}; SSN ${usSsn(r)}; DOB ${dateOfBirth(r, c, 'en')}.`,
  ),
  t('en-nino', 'en', ({ r, c }) => s`National Insurance number ${ukNino(r)} belongs to ${person(r, c)}.`),
  t(
    'en-nhs',
    'en',
    ({ r, c }) =>
      s`NHS number: ${ukNhs(r)}. The patient, ${person(r, c)}, was born on ${dateOfBirth(r, c, 'en')}.`,
  ),
  t('en-ship', 'en', ({ r, c }) => s`Ship it to ${person(r, c)}, ${address(r, c, 'en')}, before Friday.`),
  t(
    'en-passport',
    'en',
    ({ r, c }) =>
      s`Passport number ${passport(r, r.pick(['UK', 'US'] as const))}, issued to ${person(r, c)}.`,
  ),
  t(
    'en-login-ip',
    'en',
    ({ r, c }) => s`We saw a login from ${ipv4(r)} for ${email(r, c)} that you may not recognise.`,
  ),
  t('en-mac', 'en', ({ r, c }) => s`The device with MAC address ${mac(r)} is registered to ${person(r, c)}.`),
  t(
    'en-leaked-key',
    'en',
    ({ r }) => s`I accidentally pasted my key ${secret(r)} into the chat, please rotate it.`,
  ),
  t(
    'en-call-me',
    'en',
    ({ r, c }) => s`Can someone call me on ${phone(r, c)}? I have some questions about opening an account.`,
  ),
  t(
    'en-appointment',
    'en',
    ({ r, c }) => s`Dear ${person(r, c)}, your appointment is confirmed. We will text you at ${phone(r, c)}.`,
  ),
  t(
    'en-new-address',
    'en',
    ({ r, c }) => s`I'd like to update my address to ${address(r, c, 'en')}, thanks.`,
  ),
  t('en-ipv6', 'en', ({ r }) => s`The firewall dropped traffic from ${ipv6(r)} and ${ipv4(r)} overnight.`),
  t('en-bearer', 'en', ({ r }) => s`The failing request carried the token ${jwt(r)} in its header.`),
  t(
    'en-id-card',
    'en',
    ({ r, c }) => s`Identity card number ${idCard(r, c.address.country)} was checked at the desk.`,
  ),
  t(
    'en-maiden',
    'en',
    ({ r, c }) => s`She was born on ${dateOfBirth(r, c, 'en')}. Her maiden name is ${surname(c)}.`,
  ),
  t('en-signature', 'en', ({ r, c }) => s`Best regards,\n${person(r, c)}\n${phone(r, c)}\n${email(r, c)}`),
  t(
    'en-national-id',
    'en',
    ({ r, c }) => s`For the KYC check, ${givenName(c)} sent national ID ${nationalId(r, c)}.`,
  ),
  // German
  t(
    'de-iban',
    'de',
    ({ r, c }) => s`Bitte überweisen Sie den Betrag auf IBAN ${iban(r, c)}, Kontoinhaber: ${person(r, c)}.`,
  ),
  t('de-steuer-id', 'de', ({ r, c }) => s`Meine Steuer-ID lautet ${nationalId(r, c)}.`),
  t(
    'de-reach',
    'de',
    ({ r, c }) => s`Sie erreichen ${person(r, c)} unter ${phone(r, c)} oder per E-Mail an ${email(r, c)}.`,
  ),
  t('de-delivery', 'de', ({ r, c }) => s`Lieferadresse: ${person(r, c)}, ${address(r, c)}`),
  t(
    'de-born',
    'de',
    ({ r, c }) => s`${person(r, c)}, geboren am ${dateOfBirth(r, c, 'de')}, wohnhaft in ${address(r, c)}.`,
  ),
  t('de-passport', 'de', ({ r }) => s`Reisepassnummer: ${passport(r, 'DE')}`),
  t(
    'de-id-card',
    'de',
    ({ r, c }) => s`Die Personalausweisnummer von Frau ${surname(c)} ist ${idCard(r, 'DE')}.`,
  ),
  t('de-card-blocked', 'de', ({ r }) => s`Die Kreditkarte ${card(r)} wurde heute gesperrt.`),
  t('de-ip', 'de', ({ r, c }) => s`Zugriff von IP ${ipv4(r)} auf das Konto von ${email(r, c)} blockiert.`),
  t('de-callback', 'de', ({ r, c }) => s`Rückruf erbeten: ${phone(r, c)} (${person(r, c)})`),
  t('de-key', 'de', ({ r }) => s`API-Schlüssel versehentlich im Ticket gepostet: ${secret(r)}`),
  // French
  t('fr-nir', 'fr', ({ r, c }) => s`Mon numéro de sécurité sociale est ${nationalId(r, c)}.`),
  t(
    'fr-iban',
    'fr',
    ({ r, c }) => s`Veuillez virer le montant sur l'IBAN ${iban(r, c)} au nom de ${person(r, c)}.`,
  ),
  t(
    'fr-reach',
    'fr',
    ({ r, c }) => s`Vous pouvez joindre ${person(r, c)} au ${phone(r, c)} ou à ${email(r, c)}.`,
  ),
  t('fr-delivery', 'fr', ({ r, c }) => s`Adresse de livraison : ${address(r, c)}`),
  t('fr-born', 'fr', ({ r, c }) => s`${person(r, c)}, né le ${dateOfBirth(r, c, 'fr')}, a changé de banque.`),
  t('fr-passport', 'fr', ({ r }) => s`Numéro de passeport : ${passport(r, 'FR')}`),
  t(
    'fr-id-card',
    'fr',
    ({ r }) => s`Carte nationale d'identité n° ${idCard(r, 'FR')}, valable jusqu'en 2031.`,
  ),
  t('fr-card', 'fr', ({ r }) => s`Paiement refusé pour la carte ${card(r)}.`),
  t('fr-mac', 'fr', ({ r }) => s`Adresse MAC de l'appareil : ${mac(r)}`),
  // Spanish
  t('es-dni', 'es', ({ r, c }) => s`Mi DNI es ${nationalId(r, c)} y mi correo ${email(r, c)}.`),
  t('es-nie', 'es', ({ r, c }) => s`NIE: ${esNie(r)}, titular ${person(r, c)}.`),
  t('es-iban', 'es', ({ r, c }) => s`Transfiera el importe a la cuenta ${iban(r, c)}.`),
  t('es-call', 'es', ({ r, c }) => s`Llame a ${person(r, c)} al ${phone(r, c)} por la tarde.`),
  t('es-address', 'es', ({ r, c }) => s`Dirección: ${address(r, c)}.`),
  t('es-dob', 'es', ({ r, c }) => s`Fecha de nacimiento: ${dateOfBirth(r, c, 'es')}`),
  t(
    'es-passport',
    'es',
    ({ r, c }) => s`Número de pasaporte ${passport(r, 'ES')} a nombre de ${person(r, c)}`,
  ),
  t('es-card', 'es', ({ r }) => s`La tarjeta ${card(r)} ha sido bloqueada por seguridad.`),
  t('es-ip', 'es', ({ r }) => s`Conexión rechazada desde ${ipv4(r)}.`),
  // Italian
  t('it-cf', 'it', ({ r, c }) => s`Il mio codice fiscale è ${nationalId(r, c)}.`),
  t(
    'it-iban',
    'it',
    ({ r, c }) => s`Effettuare il bonifico sull'IBAN ${iban(r, c)} intestato a ${person(r, c)}.`,
  ),
  t(
    'it-contact',
    'it',
    ({ r, c }) => s`Contattare ${person(r, c)} al numero ${phone(r, c)} o all'indirizzo ${email(r, c)}.`,
  ),
  t('it-resident', 'it', ({ r, c }) => s`Residente in ${address(r, c)}, nato il ${dateOfBirth(r, c, 'it')}.`),
  t('it-passport', 'it', ({ r }) => s`Numero di passaporto: ${passport(r, 'IT')}`),
  t('it-id-card', 'it', ({ r }) => s`Carta d'identità n. ${idCard(r, 'IT')} rilasciata dal Comune.`),
  t('it-ipv6', 'it', ({ r }) => s`Indirizzo IP del cliente: ${ipv6(r)}`),
  // Dutch
  t('nl-bsn', 'nl', ({ r, c }) => s`Mijn BSN is ${nationalId(r, c)}.`),
  t('nl-iban', 'nl', ({ r, c }) => s`Graag overmaken naar ${iban(r, c)} t.n.v. ${person(r, c)}.`),
  t('nl-call', 'nl', ({ r, c }) => s`Bel ${person(r, c)} op ${phone(r, c)} of mail naar ${email(r, c)}.`),
  t('nl-address', 'nl', ({ r, c }) => s`Het nieuwe adres is ${address(r, c)}.`),
  t('nl-dob', 'nl', ({ r, c }) => s`Geboortedatum: ${dateOfBirth(r, c, 'nl')}, naam: ${person(r, c)}`),
  t('nl-passport', 'nl', ({ r }) => s`Paspoortnummer ${passport(r, 'NL')} is verlopen.`),
  t('nl-id-card', 'nl', ({ r }) => s`Identiteitskaart nummer ${idCard(r, 'NL')}`),
  t('nl-token', 'nl', ({ r }) => s`Token gelekt in de chat: ${jwt(r)}`),
  // Polish
  t('pl-pesel', 'pl', ({ r, c }) => s`Mój numer PESEL to ${nationalId(r, c)}.`),
  t('pl-iban', 'pl', ({ r, c }) => s`Proszę o przelew na konto ${iban(r, c)}, odbiorca: ${person(r, c)}.`),
  t(
    'pl-contact',
    'pl',
    ({ r, c }) => s`Kontakt: ${person(r, c)}, tel. ${phone(r, c)}, e-mail ${email(r, c)}.`,
  ),
  t('pl-address', 'pl', ({ r, c }) => s`Adres zamieszkania: ${address(r, c)}`),
  t('pl-dob', 'pl', ({ r, c }) => s`Data urodzenia: ${dateOfBirth(r, c, 'pl')}`),
  t('pl-passport', 'pl', ({ r }) => s`Numer paszportu: ${passport(r, 'PL')}`),
  t('pl-id-card', 'pl', ({ r }) => s`Numer dowodu osobistego ${idCard(r, 'PL')}`),
  t('pl-mac', 'pl', ({ r }) => s`Adres MAC karty sieciowej: ${mac(r)}`),
  // Swedish
  t('sv-pnr', 'sv', ({ r, c }) => s`Mitt personnummer är ${nationalId(r, c)}.`),
  t('sv-iban', 'sv', ({ r, c }) => s`Betala till IBAN ${iban(r, c)}, mottagare ${person(r, c)}.`),
  t('sv-call', 'sv', ({ r, c }) => s`Ring ${person(r, c)} på ${phone(r, c)} eller mejla ${email(r, c)}.`),
  t(
    'sv-born',
    'sv',
    ({ r, c }) => s`${person(r, c)}, född ${dateOfBirth(r, c, 'sv')}, bor på ${address(r, c)}.`,
  ),
  t('sv-passport', 'sv', ({ r }) => s`Passnummer ${passport(r, 'SE')}`),
  t(
    'sv-ip',
    'sv',
    ({ r, c }) => s`IP-adress ${ipv4(r)} blockerades efter fem misslyckade inloggningar av ${email(r, c)}.`,
  ),
];

/** Added after the first published figures: appended to the corpus, so earlier samples stay as they were. */
export const LATER_SENTENCE_TEMPLATES: readonly Template[] = [
  t(
    'en-letter-country',
    'en',
    ({ r, c }) =>
      s`Please post the signed contract to:\n${person(r, c)}\n${addressWithCountry(r, c, 'en')}\nThank you.`,
  ),
  t('de-address-country', 'de', ({ r, c }) => s`Neue Anschrift: ${addressWithCountry(r, c, 'de')}`),
];
