Feature: Backup & Replication logon
  A script logs on by posting a form to `/api/oauth2/token` with `grant_type=password`. The answer
  is a JSON token set; the access token lives 15 minutes and travels as `Authorization: Bearer`.

  @VBR-01 @VBR-02
  Scenario: A password grant answers with a token set
    When I ask for a token with my user name and password
    Then the answer is 200 OK
    And the answer is JSON
    And the answer is a token set whose access token lives 900 seconds

  @VBR-03
  Scenario: The access token authorises later requests
    Given I am logged on to Backup & Replication
    When I get the server information
    Then the answer is 200 OK
    And the answer is JSON

  @VBR-01 @VBR-07
  Scenario: A wrong password is refused
    When I ask for a token with a wrong password
    Then the answer is 401 Unauthorized

  @VBR-01 @undocumented
  Scenario: A JSON body on the token endpoint
    The documents only show form-urlencoded token requests. What does a JSON body get?
    When I ask for a token with a JSON body
    Then the answer follows one of the documented readings:
      | answer | reading                                               | emulator |
      | 200    | a JSON body is accepted as well as a form             | yes      |
      | 4xx    | only form-urlencoded token requests are accepted      |          |

  @VBR-09 @emulator-only
  Scenario: With multi-factor authentication a password grant answers with an mfa_token
    Given my account requires multi-factor authentication
    When I ask for a token with my user name and password
    Then the answer is 200 OK
    And the answer carries an mfa_token and no access token
    When I complete the logon with the mfa_token and the right code
    Then the answer is 200 OK
    And the answer is a token set whose access token lives 900 seconds

  @VBR-09 @emulator-only
  Scenario: A wrong multi-factor code is refused
    Given my account requires multi-factor authentication
    When I ask for a token with my user name and password
    And I complete the logon with the mfa_token and a wrong code
    Then the answer is a client error

  @VBR-01 @emulator-only
  Scenario: A vbr_token grant answers a token set
    The backup console's platform token is known only to the emulator.
    When I ask for a token with the emulator's vbr_token
    Then the answer is 200 OK
    And the answer is a token set whose access token lives 900 seconds
