Feature: Backup & Replication tokens and refresh
  An access token can be used many times for its 15 minutes. A refresh token gets a new token set
  without the password, and can be used only once. An authorization code hands a session to
  another client.

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
    And the answer is a token set whose access token lives 900 seconds
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
    And the answer is a token set whose access token lives 900 seconds
    And the new access token works

  @VBR-10 @slow
  Scenario: An access token expires after 15 minutes
    Given I am logged on to Backup & Replication
    When 16 minutes pass without requests
    Then my access token is refused

  @VBR-10 @slow
  Scenario: An access token still works after 14 minutes
    Given I am logged on to Backup & Replication
    When 14 minutes pass without requests
    Then my access token still works

  @VBR-04 @VBR-10 @slow
  Scenario: A refresh token outlives its access token
    Given I am logged on to Backup & Replication
    When 31 minutes pass without requests
    And I refresh the tokens
    Then the answer is 200 OK
    And the new access token works

  @VBR-04 @slow
  Scenario: A short-term refresh token lives the access token's lifetime plus 15 minutes
    Given I am logged on to Backup & Replication with a short-term refresh token
    When 31 minutes pass without requests
    And I refresh the tokens
    Then the answer is 401 Unauthorized

  @VBR-04 @slow
  Scenario: A short-term refresh token still works within its lifetime
    Given I am logged on to Backup & Replication with a short-term refresh token
    When 29 minutes pass without requests
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
