Feature: Backup & Replication logout
  `POST /api/oauth2/logout` expires both the access token and the refresh token and answers an
  empty JSON object.

  @VBR-06
  Scenario: Logging out answers an empty JSON object
    Given I am logged on to Backup & Replication
    When I log out of Backup & Replication
    Then the answer is 200 OK
    And the answer is an empty JSON object

  @VBR-06
  Scenario: After logout the access token is refused
    Given I am logged on to Backup & Replication
    When I log out of Backup & Replication
    Then my access token is refused

  @VBR-06
  Scenario: After logout the refresh token is refused
    Given I am logged on to Backup & Replication
    When I log out of Backup & Replication
    And I refresh the tokens
    Then the answer is 401 Unauthorized

  @VBR-06 @undocumented
  Scenario: Logging out twice
    Given I am logged on to Backup & Replication
    When I log out of Backup & Replication
    And I log out of Backup & Replication
    Then the answer is a client error
