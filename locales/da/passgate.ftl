# passgates tekster på dansk. Samme message ids som locales/en/passgate.ftl (en test
# tjekker det). Skrevet i du-form, som danske it-produkter gør.

## Sproget selv, som dem, der taler det, kalder det.

language-name = Dansk

## Sider

page-forgot-title = Glemt adgangskode?
page-forgot-intro = Skriv e-mailadressen til din konto. Hvis adressen hører til en konto, sender vi dig et link, så du kan vælge en ny adgangskode.
page-forgot-submit = Send mig et link
page-forgot-sent-title = Tjek din indbakke
page-forgot-sent-body = Hvis adressen hører til en konto, er et link til at nulstille adgangskoden på vej. Linket virker kun én gang og udløber snart. Er der ikke kommet noget? Kig i din spammappe, eller prøv igen om et par minutter.

page-reset-title = Vælg en ny adgangskode
page-reset-submit = Gem ny adgangskode
page-reset-done-title = Din nye adgangskode er gemt
page-reset-done-body = Du kan nu logge ind med din nye adgangskode. Af sikkerhedshensyn er du blevet logget ud alle andre steder.
page-link-dead-title = Linket virker ikke længere
page-link-dead-body = Et link til at nulstille adgangskoden virker kun én gang og udløber efter et stykke tid. Beder du om et nyt link, holder de gamle op med at virke.
page-link-dead-action = Bed om et nyt link

page-change-title = Skift adgangskode
page-change-intro = Her kan du skifte en midlertidig adgangskode fra din administrator eller din nuværende adgangskode ud med en ny.
page-change-submit = Skift adgangskode
page-change-done-title = Din adgangskode er blevet ændret
page-change-done-body = Log ind med din nye adgangskode. Af sikkerhedshensyn er du blevet logget ud alle andre steder.

page-label-email = E-mailadresse
page-label-current = Nuværende eller midlertidig adgangskode
page-label-new = Ny adgangskode
page-label-confirm = Gentag ny adgangskode
page-policy-heading = Krav til din nye adgangskode

page-error-email = Skriv en gyldig e-mailadresse.
page-error-required = Feltet skal udfyldes.
page-error-mismatch = De to nye adgangskoder er ikke ens.
page-error-credentials = E-mailadressen eller den nuværende adgangskode er forkert.
page-error-locked = For mange mislykkede forsøg. Prøv igen om et par minutter.
page-error-rate-limited = For mange forespørgsler fra dit netværk. Prøv igen om et minut.
page-error-busy = Der er travlt lige nu. Prøv igen om lidt.
page-error-unexpected = Noget gik galt hos os. Prøv igen.
page-error-password = Adgangskoden { $rule }.

page-too-large-title = Formularen var for stor
page-too-large-body = Gå tilbage, og prøv igen med kortere indhold.
page-cross-site-title = Formularen kom fra et andet websted
page-cross-site-body = Der skete ikke noget: Formularen kan kun sendes fra en side på dette websted. Åbn den via linket herunder, og send den igen.
page-wrong-type-title = Formularen kunne ikke læses
page-wrong-type-body = Der skete ikke noget. Åbn formularen via linket herunder, og send den igen.
page-back-to-form = Tilbage til formularen

page-forgot-link = Glemt adgangskode?
page-change-link = Skift adgangskode
page-languages = Sprog

## Administrationen

console-name = Administration
console-sign-in-title = Log ind på administrationen
console-sign-in-intro = For administratorer og adgangskodeadministratorer.
console-label-password = Adgangskode
console-sign-in-submit = Log ind
console-error-credentials = E-mailadressen eller adgangskoden er forkert.
console-error-expired = Siden til at logge ind var udløbet, så der skete ikke noget. Log ind igen.
console-forbidden-title = Administrationen er kun for administratorer
console-forbidden-body = Din e-mailadresse og adgangskode er rigtige, men din konto har ikke administratorrettigheder. Kontakt en administrator, hvis du skal have adgang.
console-signed-in-as = Logget ind som { $email }
console-sign-out = Log ud
console-csrf-title = Formularen er udløbet
console-csrf-body = Der skete ikke noget. Åbn siden igen i administrationen, og send formularen igen.
console-back = Tilbage til administrationen

## Reglerne for adgangskoder, som siderne viser dem

policy-rule-length = Mindst { $min } tegn (højst { $max }). Du må gerne bruge mellemrum og alle slags tegn – et par tilfældige ord giver en god adgangskode.
policy-rule-common = Ikke en af de mest brugte adgangskoder.
policy-rule-user-info = Uden din e-mailadresse eller dit navn.
policy-rule-breached = Ikke en adgangskode, der er kendt fra et datalæk.
policy-rule-strength = Svær at gætte.
policy-rule-history =
    { $history ->
        [0] Ikke din nuværende adgangskode.
        [1] Hverken din nuværende eller din forrige adgangskode.
       *[other] Hverken din nuværende eller nogen af dine seneste { $history } adgangskoder.
    }

## Brudte regler for et felt: errors[].message i API'et. Teksten følger feltets navn
## ("adgangskoden skal være på mindst 15 tegn") og begynder derfor med lille.

field-too_short = skal være på mindst { $min } tegn
field-too_long = må højst være på { $max } tegn
field-common = er en af de mest brugte adgangskoder; vælg en anden
field-breached = er kendt fra et datalæk; vælg en anden
field-contains_user_info = må ikke indeholde din e-mailadresse eller dit navn
field-too_weak = er for let at gætte; brug hellere flere tilfældige ord efter hinanden
field-reused = skal være en anden end din nuværende og dine seneste adgangskoder
field-invalid_email =
    { $reason ->
        [empty] må ikke være tom
        [too_long] må højst være på 254 tegn
       *[not_an_address] er ikke en e-mailadresse (navn@example.com; kun ASCII-tegn og ingen mellemrum)
    }
field-invalid_display_name = skal være på 1 til 200 tegn, uden kontroltegn og uden mellemrum i starten eller slutningen
field-invalid_locale = skal være en sprogkode som `da` eller `en-GB` (BCP 47, højst 35 tegn)
field-conflicting_fields = angiv password_hash eller password, ikke begge
field-missing_password = kan kun angives sammen med password_hash eller password
field-invalid_role = ukendt rolle `{ $role }`
field-invalid_name = skal være på 1 til 100 tegn, uden kontrol- eller formateringstegn og uden mellemrum i starten eller slutningen
field-required = skal angives, når mode er `{ $mode }`
field-not_allowed = kan kun angives, når mode er `{ $mode }`
field-empty = angiv mindst én bruger
field-exactly_one_of = angiv præcis ét af felterne `{ $first }` og `{ $second }`
field-out_of_range = skal være mellem { $min } og { $max }
field-invalid_cursor = er ikke en cursor, som dette API har returneret
field-invalid_timestamp = skal være et tidspunkt i RFC 3339-format
field-unsupported_hash = er ikke en adgangskode-hash, som passgate kan importere: { $why }
field-length = skal være på { $min } til { $max } tegn
field-invalid_event = "*" skal stå alene: Det betyder alle hændelser
field-unknown_event = indeholder en hændelsestype, som passgate ikke sender
field-line-too-long = en linje må højst være på { $max } byte
field-text-not-empty = må ikke være tom
field-text-events-length = skal angive 1 til 20 hændelsestyper eller ["*"]
field-text-url-absolute = skal være en fuld URL-adresse
field-text-url-host = skal indeholde et værtsnavn
field-text-url-credentials = må ikke indeholde brugernavn eller adgangskode (signaturen viser, at det er passgate, der sender)
field-text-url-resolve-timeout = værtsnavnet kunne ikke slås op i tide
field-text-url-unresolved = værtsnavnet kan ikke slås op
field-insecure_url = skal være en https://-adresse
field-forbidden_address = peger på { $address }, som er en loopback-, privat, link-local eller anden ikke-offentlig adresse

## Problemer (JSON-API'et): titel og forklaring pr. kode. Koderne ændres aldrig.

problem-malformed_request-title = Forespørgslen kunne ikke læses
problem-unsupported_media_type-title = Medietypen understøttes ikke
problem-unsupported_media_type-detail = Send indholdet som application/json uden Content-Encoding.
problem-payload_too_large-title = Forespørgslen er for stor
problem-payload_too_large-detail = Forespørgslens indhold er større, end serveren tager imod.
problem-request_timeout-title = Tiden løb ud
problem-request_timeout-detail = Forespørgslens indhold nåede ikke frem i tide.
problem-validation_failed-title = Ugyldige felter
problem-validation_failed-detail = Et eller flere felter overholder ikke reglerne; se `errors`.
problem-password_policy-title = Adgangskoden blev afvist
problem-password_policy-detail = Den nye adgangskode overholder ikke reglerne for adgangskoder; se `errors`.
problem-invalid_credentials-title = Login mislykkedes
problem-invalid_credentials-detail = E-mailadressen eller adgangskoden er forkert.
problem-current_password_incorrect-title = Forkert nuværende adgangskode
problem-current_password_incorrect-detail = Den nuværende adgangskode er forkert.
problem-invalid_token-title = Ugyldigt token
problem-invalid_token-detail = Adgangstokenet mangler, er ugyldigt, er udløbet eller er blevet tilbagekaldt.
problem-password_change_required-title = Du skal skifte adgangskode
problem-password_change_required-detail = Dette token giver kun lov til at skifte adgangskode (POST /v1/me/password).
problem-forbidden-title = Ingen adgang
problem-not_found-title = Ikke fundet
problem-not_found-detail = Ressourcen findes ikke.
problem-method_not_allowed-title = Metoden er ikke tilladt
problem-method_not_allowed-detail = Metoden er ikke tilladt på denne ressource.
problem-conflict-title = Konflikt
problem-reset_token_invalid-title = Ugyldigt nulstillingstoken
problem-reset_token_invalid-detail = Nulstillingstokenet er ukendt, udløbet eller allerede brugt.
problem-rate_limited-title = For mange forespørgsler
problem-rate_limited-detail = For mange forespørgsler fra denne klient; prøv igen senere.
problem-account_locked-title = Kontoen er spærret
problem-account_locked-detail = For mange mislykkede forsøg; kontoen er spærret et stykke tid.
problem-batch_too_large-title = For mange på én gang
problem-batch_too_large-detail = Højst { $max } brugere pr. forespørgsel.
problem-overloaded-title = Overbelastet
problem-overloaded-detail = Køen til behandling af adgangskoder er fuld; prøv igen om lidt.
problem-unavailable-title = Tjenesten er ikke tilgængelig
problem-unavailable-detail = Databasen svarer ikke; prøv igen om lidt.
problem-unavailable-detail-breach = Tjenesten, der tjekker for lækkede adgangskoder, svarer ikke; prøv igen om lidt.
problem-unavailable-detail-shutting-down = Denne instans er ved at lukke ned; send forespørgsler til en anden.
problem-internal_error-title = Intern serverfejl
problem-internal_error-detail = Der opstod en uventet fejl.

problem-detail-role = Din rolle giver ikke adgang til dette.
problem-detail-api-key-not-a-person = En API-nøgle er ikke en person: /v1/me er til brugere, der er logget ind.
problem-detail-own-roles = Du kan ikke ændre dine egne roller eller deaktivere dig selv.
problem-detail-own-reset = Her kan man ikke nulstille sin egen adgangskode; brug POST /v1/me/password.
problem-detail-outranked = Brugeren har flere rettigheder end dig.
problem-detail-key-outranks = En API-nøgle kan ikke få flere rettigheder end den, der opretter den.
problem-detail-email-taken = Der findes allerede en bruger med denne e-mailadresse.
problem-detail-last-admin = Efter ændringen ville der ikke være nogen aktiv administrator.
problem-detail-unique = Der findes allerede en ressource med disse unikke værdier.
problem-detail-unreadable = Forespørgslen kunne ikke læses.
problem-detail-not-allowed = Ikke tilladt.
problem-detail-body-unreadable = Indholdet kunne ikke læses.
problem-detail-webhooks-full = Der kan højst være { $max } webhooks. Slet en, før du opretter en ny.
problem-detail-not-served = Forespørgslen kunne ikke behandles.
problem-detail-email-twice = E-mailadressen står allerede på en tidligere linje i importen.
problem-detail-json-unreadable = JSON-indholdet kunne ikke læses: { $why }
problem-detail-query-unreadable = Forespørgselsstrengen kunne ikke læses: { $why }
problem-detail-body-unreadable-why = Indholdet kunne ikke læses: { $why }
problem-detail-line-not-a-user = Linje { $line } er ikke et brugerobjekt: { $why }

## E-mails (ren tekst). $product er PASSGATE__MAIL__PRODUCT_NAME, $email kontoens adresse.

mail-reset-subject = Nulstil din adgangskode til { $product }
mail-reset-opening-requested = Nogen (forhåbentlig dig) har bedt om at nulstille adgangskoden til din { $product }-konto { $email }.
mail-reset-opening-admin = En administrator har nulstillet adgangskoden til din { $product }-konto { $email }. Din gamle adgangskode virker ikke længere.
mail-reset-instructions =
    { $minutes ->
        [one] Åbn linket inden for et minut for at vælge en ny adgangskode. Det virker kun én gang.
       *[other] Åbn linket inden for { $minutes } minutter for at vælge en ny adgangskode. Det virker kun én gang.
    }
mail-reset-closing-requested = Hvis det ikke var dig, kan du se bort fra denne e-mail. Din adgangskode bliver ikke ændret.
mail-reset-closing-admin = Hvis du ikke havde regnet med det, så kontakt din administrator.

mail-notice-subject-self = Din adgangskode til { $product } er blevet ændret
mail-notice-subject-reset-link = Din adgangskode til { $product } er blevet nulstillet
mail-notice-subject-admin = Din adgangskode til { $product } er blevet nulstillet af en administrator
mail-notice-body-self = Adgangskoden til din { $product }-konto { $email } blev ændret den { $when }.
mail-notice-body-reset-link = Adgangskoden til din { $product }-konto { $email } blev nulstillet via et link i en e-mail den { $when }.
mail-notice-body-admin = Adgangskoden til din { $product }-konto { $email } blev nulstillet af en administrator den { $when }.
mail-notice-how-self = ændret
mail-notice-how-reset-link = nulstillet via et link i en e-mail
mail-notice-how-admin = nulstillet af en administrator
mail-notice-from = Ændringen blev foretaget fra IP-adressen { $address }.
mail-notice-advice = Hvis det var dig, skal du ikke gøre noget. Hvis det ikke var dig, så nulstil din adgangskode med det samme, og giv din administrator besked.

## Datoer i e-mails, altid i UTC og med det skrevet.

mail-datetime = { $day }. { $month } { $year } kl. { $time } (UTC)
month-1 = januar
month-2 = februar
month-3 = marts
month-4 = april
month-5 = maj
month-6 = juni
month-7 = juli
month-8 = august
month-9 = september
month-10 = oktober
month-11 = november
month-12 = december

## Administrationskonsollens sider: Aktive brugere, nulstilling og resultat, én bruger.

console-users-title = Aktive brugere
console-users-search-label = Søg efter navn eller e-mailadresse
console-users-role-label = Rolle
console-users-role-any = Alle roller
console-users-search-submit = Søg
console-users-select = Vælg { $email }
console-users-reset-selected = Nulstil adgangskode
console-users-next = Næste side
console-users-first = Første side
console-users-empty = Ingen brugere matcher søgningen.
console-users-invalid = Søgningen kan ikke udføres: Søgeteksten må højst være på 200 tegn, og linket til siden kan være forældet.
console-users-too-many = Vælg højst { $max } brugere ad gangen.
console-users-none-selected = Vælg mindst én bruger.
console-col-select = Vælg
console-col-name = Vist navn
console-col-email = E-mailadresse
console-col-roles = Roller
console-col-state = Status
console-role-admin = Administrator
console-role-password_admin = Adgangskodeadministrator
console-role-user = Bruger
console-state-active = Aktiv
console-state-disabled = Deaktiveret
console-state-change-required = Skal skifte adgangskode
console-reason-own = Det er dig: Skift din egen adgangskode på siden Skift adgangskode.
console-reason-outranked = Kun en administrator kan nulstille adgangskoden for denne bruger.
console-reset-title = Nulstil adgangskode
console-reset-selected = Valgte brugere
console-reset-skipped = Nulstilles ikke
console-reset-unknown = Brugeren findes ikke.
console-reset-nothing = Du kan ikke nulstille adgangskoden for nogen af de valgte brugere.
console-reset-mode-legend = Ny adgangskode
console-reset-mode-generate = Opret automatisk en adgangskode
console-reset-mode-set = Lad mig oprette adgangskoden
console-reset-mode-link = Send et link til nulstilling i stedet
console-reset-password-label = Adgangskode (kun ved »Lad mig oprette adgangskoden«)
console-reset-require-change = Kræv, at brugeren skifter sin adgangskode, første gang vedkommende logger ind
console-reset-notify = Send brugeren en e-mail om, at adgangskoden er nulstillet (aldrig selve adgangskoden)
console-reset-output-legend = Resultat
console-reset-output-page = Vis resultatet på næste side
console-reset-output-csv = Hent resultatet som en CSV-fil
console-reset-submit = Nulstil adgangskode
console-reset-password-required = Skriv adgangskoden, eller vælg en anden mulighed.
console-reset-password-not-taken = Lad adgangskoden være tom, eller vælg »Lad mig oprette adgangskoden«.
console-reset-back = Tilbage til aktive brugere
console-results-title = Resultat af nulstilling
console-results-once = De midlertidige adgangskoder vises kun denne ene gang og kan ikke findes frem igen. Giv hver bruger sin adgangskode på en sikker måde.
console-results-summary = { $succeeded } af { $requested } nulstillet, { $failed } mislykkedes.
console-col-temporary = Midlertidig adgangskode
console-result-link-sent = Et link til nulstilling er sendt pr. e-mail.
console-result-set = Den adgangskode, du skrev, er gemt.
console-result-expires = Virker indtil { $when }.
console-result-authority-lost = Ikke nulstillet: Dine roller eller din konto blev ændret undervejs. Log ind igen.
console-result-busy = Ikke nulstillet: Der var travlt. Prøv igen for denne bruger.
console-user-last-sign-in = Seneste login
console-user-last-change = Seneste ændring af adgangskode
console-user-never = Aldrig
console-user-lockout = Spærring
console-user-not-locked = Ikke spærret
console-user-locked-sources = Login er spærret fra { $sources ->
        [one] ét sted
       *[other] { $sources } steder
    } indtil { $when }.
console-user-locked-unfamiliar = Login fra nye steder afvises indtil { $when }.
console-user-unlock = Lås op
console-user-disable = Deaktiver
console-user-enable = Aktiver
console-user-actions = Handlinger
console-user-audit = Seneste hændelser
console-user-no-events = Ingen hændelser endnu.
console-user-not-found = Brugeren findes ikke.
console-col-when = Tidspunkt
console-col-action = Hændelse
console-col-actor = Udført af
console-col-address = Klientadresse
console-col-outcome = Udfald
console-outcome-success = Gennemført
console-outcome-failure = Mislykkedes
console-actor-command-line = Kommandolinjen
console-done-unlocked = Kontoen er låst op.
console-done-disabled = Kontoen er deaktiveret: Brugeren kan ikke logge ind.
console-done-enabled = Kontoen er aktiveret.
console-refused = Ikke udført: { $reason }
console-reset-mode-invalid = Vælg, hvordan den nye adgangskode skal oprettes.
console-reset-not-done = Intet er nulstillet. Ret formularen, og prøv igen.
