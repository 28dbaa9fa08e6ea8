Feature: Backup & Replication tokens and refresh
  An access token can be used many times for its lifetime (`expires_in`). A refresh token gets a
  new token set without the password, and can be used only once. An authorization code hands a
  session to another client; the 1.3 revisions have no authorization code path.

  @VBR-10
  Scenario: An access token can be used many times
    Given I am logged on to Backup & Replication
    When I get the server information 5 times
    Then every answer is 200 OK

  @VBR-04
  Scenario: A refresh grant answers with a new token set
    Given I am logged on to Backup & Replication
    When I refresh the tokens
    Then the answer is 200 OK
    And the answer carries new tokens
    And the new tokens differ from the old ones
    And the new access token works

  @VBR-10
  Scenario: A refresh token can be used only once
    Given I am logged on to Backup & Replication
    When I refresh the tokens
    And I refresh again with the same refresh token
    Then the answer is 401 Unauthorized

  @VBR-05
  Scenario: An authorization code gives another client its own tokens
    Given I am logged on to Backup & Replication
    When I ask for an authorization code
    Then the answer is 200 OK
    And the JSON has the fields "code"
    When another client exchanges the code for tokens
    Then the answer is 200 OK
    And the answer carries new tokens
    And the new access token works

  @VBR-05 @emulator-only @needs-vbr-1.3-rev2
  Scenario Outline: The 1.3 revisions have no authorization code path
    The emulator plays a 13.1 server; a 12.x server refuses the 1.3 revisions themselves.
    Given I am logged on to Backup & Replication
    When I ask for an authorization code with x-api-version "<revision>"
    Then the answer is 404 Not Found

    Examples:
      | revision |
      | 1.3-rev0 |
      | 1.3-rev1 |
      | 1.3-rev2 |

  @VBR-05 @emulator-only @needs-vbr-1.3-rev1
  Scenario: The 1.2 revisions still make authorization codes, and 1.3 still exchanges them
    Given I am logged on to Backup & Replication
    When I ask for an authorization code with x-api-version "1.2-rev0"
    Then the answer is 200 OK
    When another client exchanges the code for tokens with x-api-version "1.3-rev1"
    Then the answer is 200 OK
    And the answer carries new tokens

  @VBR-05 @VBR-01 @emulator-only @needs-vbr-1.3-rev2
  Scenario: The deprecated vbr_token grant is still accepted in 1.3
    When I ask for a token with the emulator's vbr_token and x-api-version "1.3-rev2"
    Then the answer is 200 OK
    And the answer carries new tokens

  @VBR-10 @slow
  Scenario: An access token is refused once its lifetime has run out
    Given I am logged on to Backup & Replication
    When the access token's lifetime and 1 minute pass without requests
    Then my access token is refused

  @VBR-10 @slow
  Scenario: An access token still works until its lifetime runs out
    Given I am logged on to Backup & Replication
    When all but 1 minute of the access token's lifetime pass without requests
    Then my access token still works

  @VBR-04 @VBR-10 @slow
  Scenario: A refresh token outlives its access token
    Given I am logged on to Backup & Replication
    When the access token's lifetime and 16 minutes pass without requests
    And I refresh the tokens
    Then the answer is 200 OK
    And the new access token works

  @VBR-04 @slow
  Scenario: A short-term refresh token lives the access token's lifetime plus 15 minutes
    Given I am logged on to Backup & Replication with a short-term refresh token
    When the access token's lifetime and 16 minutes pass without requests
    And I refresh the tokens
    Then the answer is 401 Unauthorized

  @VBR-04 @slow
  Scenario: A short-term refresh token still works within its lifetime
    Given I am logged on to Backup & Replication with a short-term refresh token
    When the access token's lifetime and 14 minutes pass without requests
    And I refresh the tokens
    Then the answer is 200 OK

  @VBR-10 @slow @emulator-only
  Scenario: A refresh token expires after 14 days
    Given I am logged on to Backup & Replication
    When 14 days and 1 minute pass without requests
    And I refresh the tokens
    Then the answer is 401 Unauthorized

  @VBR-11 @doc-conflict
  Scenario: A capitalised password grant type
    The reference writes "password"; the vendor's 1.3 OpenAPI files write "Password".
    When I ask for a token with grant type "Password" and my user name and password
    Then the answer follows one of the documented readings:
      | answer | reading                                                   | emulator |
      | 200    | grant types are read without regard to case               | yes      |
      | 4xx    | only the reference's lower-case grant types are accepted  |          |

  @VBR-11 @doc-conflict
  Scenario: A capitalised refresh grant type
    Given I am logged on to Backup & Replication
    When I refresh the tokens with grant type "Refresh_token"
    Then the answer follows one of the documented readings:
      | answer | reading                                                   | emulator |
      | 200    | grant types are read without regard to case               | yes      |
      | 4xx    | only the reference's lower-case grant types are accepted  |          |
