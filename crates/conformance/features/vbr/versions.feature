Feature: Backup & Replication API version header
  Every request carries `x-api-version`, `major.minor-revN`. A server serves every revision from
  `1.0-rev1` up to its own and refuses others with `400`, naming the revisions it serves. The
  token endpoint checks the version before the credentials.

  @VBR-08 @undocumented
  Scenario: A request without x-api-version
    The reference requires the header; a 13.x command-line client sends none and works.
    Given I am logged on to Backup & Replication
    When I get the server information without the x-api-version header
    Then the answer follows one of the documented readings:
      | answer                   | reading                                                | emulator |
      | 400 with the error model | the reference: the header is required                  | yes      |
      | 200                      | 13.x: answered in the server's newest revision         |          |

  @VBR-08 @undocumented
  Scenario: A token request without x-api-version
    When I ask for a token without the x-api-version header
    Then the answer follows one of the documented readings:
      | answer                   | reading                                                | emulator |
      | 400 with the error model | the reference: the header is required                  | yes      |
      | 200                      | 13.x: answered in the server's newest revision         |          |

  @VBR-08 @emulator-only
  Scenario: The emulator can answer a request without x-api-version in its newest revision
    Given the emulator answers requests without x-api-version in the newest revision
    And I am logged on to Backup & Replication
    When I get the server information without the x-api-version header
    Then the answer is 200 OK

  @VBR-08
  Scenario: An unsupported x-api-version is refused
    Given I am logged on to Backup & Replication
    When I get the server information with x-api-version "0.1-rev0"
    Then the answer is 400 Bad Request
    And the answer carries the error model

  @VBR-08 @undocumented
  Scenario: The refusal names the supported revisions
    A real VBR 11 answered "Unsupported RESTAPI version. The following versions are supported:
    v1.0-rev1." with the code UnexpectedContent.
    Given I am logged on to Backup & Replication
    When I get the server information with x-api-version "0.1-rev0"
    Then the answer is 400 Bad Request
    And the answer carries the error model with the code "UnexpectedContent"
    And the error message names the supported revisions

  @VBR-08
  Scenario: The token endpoint checks the version before the credentials
    When I ask for a token with an unknown user name and an unsupported x-api-version
    Then the answer is 400 Bad Request

  @VBR-08
  Scenario: The configured x-api-version is accepted
    Given I am logged on to Backup & Replication
    When I get the server information
    Then the answer is 200 OK

  @VBR-13
  Scenario Outline: Every revision up to 1.2-rev1 is served
    Given I am logged on to Backup & Replication
    When I get the server information with x-api-version "<revision>"
    Then the answer is 200 OK

    Examples:
      | revision |
      | 1.0-rev1 |
      | 1.0-rev2 |
      | 1.1-rev0 |
      | 1.1-rev1 |
      | 1.2-rev0 |
      | 1.2-rev1 |

  @VBR-13 @undocumented
  Scenario: The 1.1-rev2 that public clients send is served
    It is not in the vendor's table of revisions.
    Given I am logged on to Backup & Replication
    When I get the server information with x-api-version "1.1-rev2"
    Then the answer is 200 OK

  @VBR-13 @emulator-only @needs-vbr-1.3-rev2
  Scenario Outline: The 1.3 revisions are served by a 13.1 server
    Given I am logged on to Backup & Replication
    When I get the server information with x-api-version "<revision>"
    Then the answer is 200 OK

    Examples:
      | revision |
      | 1.3-rev0 |
      | 1.3-rev1 |
      | 1.3-rev2 |

  @VBR-13
  Scenario: A revision newer than any served is refused
    Given I am logged on to Backup & Replication
    When I get the server information with x-api-version "1.99-rev0"
    Then the answer is 400 Bad Request
