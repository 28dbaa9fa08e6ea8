Feature: Backup & Replication API version header
  Every request carries `x-api-version`, e.g. `1.2-rev1`. A missing or unsupported version is
  refused with a 400-class error.

  @VBR-08
  Scenario: A request without x-api-version is refused
    Given I am logged on to Backup & Replication
    When I get the server information without the x-api-version header
    Then the answer is a client error

  @VBR-08
  Scenario: A token request without x-api-version is refused
    When I ask for a token without the x-api-version header
    Then the answer is a client error

  @VBR-08
  Scenario: An unsupported x-api-version is refused
    Given I am logged on to Backup & Replication
    When I get the server information with x-api-version "0.1-rev0"
    Then the answer is a client error

  @VBR-08
  Scenario: The configured x-api-version is accepted
    Given I am logged on to Backup & Replication
    When I get the server information
    Then the answer is 200 OK
