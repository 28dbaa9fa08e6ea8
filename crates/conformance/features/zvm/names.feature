Feature: Zerto Virtual Manager property names
  The Windows ZVM answers in PascalCase; the Appliance's published OpenAPI file writes camelCase,
  yet Appliance clients read PascalCase. Clients accept either case of the first letter.

  @ZVM-14 @doc-conflict
  Scenario: The local site names its identifier in either case
    Given I am logged on to Zerto Virtual Manager
    When I get the local site
    Then the answer is 200 OK
    And the JSON has the field "SiteIdentifier" in either case of its first letter
