package datasets

import (
	"bytes"
	"testing"
)

// The readers must return an error, never panic, on any input.

func FuzzReadNYC(f *testing.F) {
	f.Add([]byte("user_id,trajectory,timestamp,venue_id,category,parent_category\n1,t,2012-04-08T16:02:10,0,Bar,N\n"))
	f.Add([]byte("user_id,timestamp,category\n1,2012-04-08T16:02:10,\"a\"\"b\"\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ReadNYC([]namedReader{{"fuzz.csv", bytes.NewReader(b)}})
	})
}

func FuzzReadGeoLife(f *testing.F) {
	f.Add([]byte("id,user_id,location_id,duration,start_day,end_day,start_min,end_min,weekday\n0,1,2,64.0,0,0,183,248,3\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ReadGeoLife([]namedReader{{"fuzz.csv", bytes.NewReader(b)}})
	})
}

func FuzzReadAppUsage(f *testing.F) {
	f.Add([]byte("1 20160420081016 100 5 1024\n1 20160420081516 100 7 20\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ReadAppUsage([]namedReader{{"fuzz.txt", bytes.NewReader(b)}})
	})
}

func FuzzReadLSApp(f *testing.F) {
	f.Add([]byte("user_id\tsession_id\ttimestamp\tapp_name\tevent_type\n1\t10\t2018-01-16 06:01:05\tChrome\tOpened\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ReadLSApp([]namedReader{{"fuzz.tsv", bytes.NewReader(b)}})
	})
}
