package forecast

import "fmt"

// Sex indexes the two sexes in ONS population tables. Female is 0 and Male is 1, so arrays
// indexed by Sex have length NumSexes.
type Sex uint8

const (
	Female Sex = iota
	Male
)

// NumSexes is the number of sexes in population tables.
const NumSexes = 2

// OpenAge is the last single year of age in population tables; it stands for "90 and over".
const OpenAge = 90

// NumAges is the number of single-year age groups 0..OpenAge.
const NumAges = OpenAge + 1

// String returns "female" or "male", the spelling used in datasets and outputs.
func (s Sex) String() string {
	switch s {
	case Female:
		return "female"
	case Male:
		return "male"
	}
	return fmt.Sprintf("Sex(%d)", uint8(s))
}

// ParseSex reads "female" or "male" (the dataset spelling) and returns an error for anything else.
func ParseSex(s string) (Sex, error) {
	switch s {
	case "female":
		return Female, nil
	case "male":
		return Male, nil
	}
	return 0, fmt.Errorf("sex %q: want female or male", s)
}
