package population_test

import (
	"fmt"

	"github.com/carecast/carecast/forecast"
	"github.com/carecast/carecast/forecast/population"
)

func ExampleSplitOpenTo() {
	// An area's estimate stops at 90+; a reference (here made up; in use the national
	// projection's single years) says how the 90+ are spread over 90..105+.
	var area population.Pop90
	area[forecast.Female][forecast.OpenAge] = 1000
	var ref population.Pop
	ref[forecast.Female][90], ref[forecast.Female][95], ref[forecast.Female][100] = 600, 300, 100
	ref[forecast.Male][90] = 1
	var split population.Pop
	if err := population.SplitOpenTo(&split, &area, &ref); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(split[forecast.Female][90], split[forecast.Female][95], split[forecast.Female][100])
	var back population.Pop90
	population.CollapseTo(&back, &split)
	fmt.Println(back[forecast.Female][forecast.OpenAge])
	// Output:
	// 600 300 100
	// 1000
}

func ExampleNewSupplied() {
	// A projection file that lacks men aged 88 to 90 in 2031.
	var cells []population.Cell
	for y := 2030; y <= 2032; y++ {
		for s := range forecast.Sex(forecast.NumSexes) {
			for x := range forecast.NumAges {
				if y == 2031 && s == forecast.Male && x >= 88 {
					continue
				}
				cells = append(cells, population.Cell{Year: y, Sex: s, Age: x, Count: 100})
			}
		}
	}
	_, err := population.NewSupplied("E08000019", 2030, 2032, cells)
	fmt.Println(err)
	// Output:
	// area E08000019: supplied population for 2030-2032 is missing 2031 male ages 88-90
}

func ExampleOpenQ() {
	// Death probabilities 0.5, 0.6 and then 0.7 at every later age. Of 1 person entering the
	// group each year, 1 dies each year; the group holds 1 + 0.5 + 0.2/0.7 = 1.786 persons
	// (0.2 reach the third age and live 1/0.7 years on average from there).
	fmt.Printf("%.4f\n", population.OpenQ([]float64{0.5, 0.6, 0.7}))
	// Output:
	// 0.5600
}
