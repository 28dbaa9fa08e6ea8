Feature: Backup & Replication logon
  A script logs on by posting a form to `/api/oauth2/token` with `grant_type=password`. The answer
  is a JSON token set; the access token lives `expires_in` seconds and travels as
  `Authorization: Bearer`.

  @VBR-01 @VBR-02
  Scenario: A password grant answers with a token set
    When I ask for a token with my user name and password
    Then the answer is 200 OK
    And the answer is JSON
    And the answer is a token set as the reference shows it

  @VBR-02 @doc-conflict
  Scenario: The access token's lifetime
    The token model, every example and the example token say 900 s; the specification's overview
    and the v12 security page say 60 minutes.
    When I ask for a token with my user name and password
    Then the access token lifetime follows one of the documented readings:
      | expires_in | reading                                              | emulator |
      | 900        | the token model and every example: 15 minutes        | yes      |
      | 3600       | the overview and the v12 security page: 60 minutes   |          |

  @VBR-03
  Scenario: The access token authorises later requests
    Given I am logged on to Backup & Replication
    When I get the server information
    Then the answer is 200 OK
    And the answer is JSON

  @VBR-01 @VBR-07
  Scenario: An unknown user is refused
    When I ask for a token with an unknown user name
    Then the answer is 401 Unauthorized

  @VBR-01 @VBR-07 @wrong-password
  Scenario: A wrong password for a real account is refused
    When I ask for a token with a wrong password for my account
    Then the answer is 401 Unauthorized

  @VBR-01 @undocumented
  Scenario: A JSON body on the token endpoint
    The documents only show form-urlencoded token requests. What does a JSON body get?
    When I ask for a token with a JSON body
    Then the answer follows one of the documented readings:
      | answer | reading                                               | emulator |
      | 200    | a JSON body is accepted as well as a form             | yes      |
      | 4xx    | only form-urlencoded token requests are accepted      |          |

  @VBR-09 @undocumented @emulator-only
  Scenario: An account with multi-factor authentication cannot log on
    The REST API has no second factor; the status of the refusal is not documented.
    Given my account requires multi-factor authentication
    When I ask for a token with my user name and password
    Then the answer is 401 Unauthorized
    And the answer carries the error model with the code "AccessDenied"
    And the error message mentions multi-factor authentication

  @VBR-01 @emulator-only
  Scenario: A vbr_token grant answers a token set
    The backup console's platform token is known only to the emulator.
    When I ask for a token with the emulator's vbr_token
    Then the answer is 200 OK
    And the answer carries new tokens

  @VBR-14 @undocumented
  Scenario: Empty optional form fields are ignored
    The vendor's Swagger UI sends every optional field, empty ones too.
    When I ask for a token with my user name and password and empty optional fields
    Then the answer is 200 OK
    And the answer carries new tokens

  @VBR-14 @undocumented
  Scenario: An Authorization header sent with the grant is ignored
    When I ask for a token with my user name and password and a stale bearer token
    Then the answer is 200 OK
    And the answer carries new tokens
